using System.Runtime.Serialization;
using AkkaMq.Protocol.Auth;

namespace AkkaMq.Protocol.Serialization;

// Users, ACLs and signed requests (manifests "U.."). User and UserAcl are also the values of the
// replicated, durable user and ACL maps, so their manifests end in a format version and stay readable.
public sealed partial class AkkaMqSerializer
{
    private const string UserManifest = "UU1";
    private const string UserAclManifest = "UA1";
    private const string SignedRequestManifest = "US";
    private const string CreateUserManifest = "UCU";
    private const string UpdateUserManifest = "UUU";
    private const string DeleteUserManifest = "UDU";
    private const string GetUserManifest = "UGU";
    private const string ListUsersManifest = "ULU";
    private const string CreateAclManifest = "UCA";
    private const string UpdateAclManifest = "UUA";
    private const string DeleteAclManifest = "UDA";
    private const string GetAclManifest = "UGA";
    private const string ListAclsManifest = "ULA";
    private const string AuthAdminReplyManifest = "UR";
    private const string DataChannelAuthChallengeManifest = "UHC";
    private const string DataChannelAuthResponseManifest = "UHR";
    private const string DataChannelAuthResultManifest = "UHS";
    private const string AccessRefusedManifest = "UX";
    private const string DataChannelEndpointManifest = "UHE";

    private static string? AuthManifest(object o) => o switch
    {
        User => UserManifest,
        UserAcl => UserAclManifest,
        SignedRequest => SignedRequestManifest,
        CreateUser => CreateUserManifest,
        UpdateUser => UpdateUserManifest,
        DeleteUser => DeleteUserManifest,
        GetUser => GetUserManifest,
        ListUsers => ListUsersManifest,
        CreateAcl => CreateAclManifest,
        UpdateAcl => UpdateAclManifest,
        DeleteAcl => DeleteAclManifest,
        GetAcl => GetAclManifest,
        ListAcls => ListAclsManifest,
        AuthAdminReply => AuthAdminReplyManifest,
        DataChannelAuthChallenge => DataChannelAuthChallengeManifest,
        DataChannelAuthResponse => DataChannelAuthResponseManifest,
        DataChannelAuthResult => DataChannelAuthResultManifest,
        AccessRefused => AccessRefusedManifest,
        DataChannelEndpoint => DataChannelEndpointManifest,
        _ => null,
    };

    private static bool WriteAuth(WireWriter w, object o)
    {
        switch (o)
        {
            case User m: Write(w, m); return true;
            case UserAcl m: Write(w, m); return true;
            case SignedRequest m:
                w.WriteString(m.AccessKey);
                w.WriteString(m.DateTime);
                w.WriteString(m.Signature);
                WriteNested(w, m.Request);
                return true;
            case CreateUser m: Write(w, m.User); return true;
            case UpdateUser m:
                w.WriteString(m.Username);
                w.WriteString(m.Password);
                w.WriteVarInt(m.Type is { } t ? (int)t : -1);
                w.WriteVarInt(m.Status is { } s ? (int)s : -1);
                return true;
            case DeleteUser m: w.WriteString(m.Username); return true;
            case GetUser m: w.WriteString(m.Username); return true;
            case ListUsers m: w.WriteString(m.Filter); return true;
            case CreateAcl m: Write(w, new UserAcl(m.Username, m.Rules)); return true;
            case UpdateAcl m: Write(w, new UserAcl(m.Username, m.Rules)); return true;
            case DeleteAcl m:
                w.WriteString(m.Username);
                w.WriteLength(m.Resources.Count);
                foreach (var r in m.Resources) Write(w, r);
                return true;
            case GetAcl m: w.WriteString(m.Username); return true;
            case ListAcls m: w.WriteString(m.Filter); return true;
            case AuthAdminReply m:
                w.WriteVarInt((int)m.Code);
                w.WriteString(m.Error);
                w.WriteLength(m.Users.Count);
                foreach (var u in m.Users) Write(w, u);
                w.WriteLength(m.Acls.Count);
                foreach (var a in m.Acls) Write(w, a);
                return true;
            case DataChannelAuthChallenge m:
                w.WriteBytes(m.Nonce);
                w.WriteString(m.DateTime);
                return true;
            case DataChannelAuthResponse m:
                w.WriteString(m.AccessKey);
                w.WriteBytes(m.Nonce);
                w.WriteString(m.DateTime);
                w.WriteString(m.Signature);
                return true;
            case DataChannelAuthResult m:
                w.WriteVarInt((int)m.Code);
                w.WriteString(m.Error);
                return true;
            case AccessRefused m:
                w.WriteVarInt((int)m.Code);
                w.WriteString(m.Error);
                return true;
            case DataChannelEndpoint m:
                w.WriteString(m.BrokerName);
                w.WriteString(m.Host);
                w.WriteVarInt(m.Port);
                w.WriteBool(m.Handshake);
                w.WriteVarInt((int)m.Tls);
                return true;
            default: return false;
        }
    }

    private static object? ReadAuth(string manifest, ref WireReader r) => manifest switch
    {
        UserManifest => ReadUser(ref r),
        UserAclManifest => ReadUserAcl(ref r),
        SignedRequestManifest => new SignedRequest(r.ReadRequiredString(), r.ReadRequiredString(), r.ReadRequiredString(), ReadNested(ref r)),
        CreateUserManifest => new CreateUser(ReadUser(ref r)),
        UpdateUserManifest => new UpdateUser(r.ReadRequiredString(), r.ReadString(), r.ReadVarInt() is var t and >= 0 ? (UserType)t : null,
            r.ReadVarInt() is var s and >= 0 ? (UserStatus)s : null),
        DeleteUserManifest => new DeleteUser(r.ReadRequiredString()),
        GetUserManifest => new GetUser(r.ReadRequiredString()),
        ListUsersManifest => new ListUsers(r.ReadRequiredString()),
        CreateAclManifest => ReadUserAcl(ref r) is var c ? new CreateAcl(c.Username, c.Rules) : null,
        UpdateAclManifest => ReadUserAcl(ref r) is var u ? new UpdateAcl(u.Username, u.Rules) : null,
        DeleteAclManifest => ReadDeleteAcl(ref r),
        GetAclManifest => new GetAcl(r.ReadRequiredString()),
        ListAclsManifest => new ListAcls(r.ReadRequiredString()),
        AuthAdminReplyManifest => ReadAuthAdminReply(ref r),
        DataChannelAuthChallengeManifest => new DataChannelAuthChallenge(r.ReadBytes(), r.ReadRequiredString()),
        DataChannelAuthResponseManifest => new DataChannelAuthResponse(r.ReadRequiredString(), r.ReadBytes(), r.ReadRequiredString(), r.ReadRequiredString()),
        DataChannelAuthResultManifest => new DataChannelAuthResult((ResponseCode)r.ReadVarInt(), r.ReadString()),
        AccessRefusedManifest => new AccessRefused((ResponseCode)r.ReadVarInt(), r.ReadRequiredString()),
        DataChannelEndpointManifest => new DataChannelEndpoint(r.ReadRequiredString(), r.ReadRequiredString(), r.ReadVarInt(), r.ReadBool(),
            (Security.TlsServerMode)r.ReadVarInt()),
        _ => null,
    };

    /// <summary>An inner message of ours: its manifest, then its bytes (a separate writer, so the outer one is not reset).</summary>
    private static void WriteNested(WireWriter w, object inner)
    {
        if (inner is SignedRequest || ManifestOf(inner) is not { } manifest)
            throw new ArgumentException($"a SignedRequest cannot carry {inner.GetType()}");
        var nested = new WireWriter(256);
        WriteAny(nested, inner);
        w.WriteString(manifest);
        w.WriteBytes(nested.ToArray());
    }

    private static object ReadNested(ref WireReader r)
    {
        var manifest = r.ReadRequiredString();
        if (manifest == SignedRequestManifest) throw new SerializationException("AkkaMqSerializer: a SignedRequest inside a SignedRequest");
        return ReadAny(r.ReadBytes(), manifest);
    }

    private static void Write(WireWriter w, User u)
    {
        w.WriteString(u.Username);
        w.WriteString(u.Password);
        w.WriteVarInt((int)u.Type);
        w.WriteVarInt((int)u.Status);
    }

    private static User ReadUser(ref WireReader r) =>
        new(r.ReadRequiredString(), r.ReadRequiredString(), (UserType)r.ReadVarInt(), (UserStatus)r.ReadVarInt());

    private static void Write(WireWriter w, AclResource res)
    {
        w.WriteVarInt((int)res.Type);
        w.WriteString(res.Name);
        w.WriteVarInt((int)res.Pattern);
    }

    private static AclResource ReadAclResource(ref WireReader r) =>
        new((ResourceType)r.ReadVarInt(), r.ReadRequiredString(), (ResourcePattern)r.ReadVarInt());

    private static void Write(WireWriter w, UserAcl acl)
    {
        w.WriteString(acl.Username);
        w.WriteLength(acl.Rules.Count);
        foreach (var rule in acl.Rules)
        {
            Write(w, rule.Resource);
            w.WriteVarInt((int)rule.Actions);
            w.WriteStrings(rule.SourceIps);
            w.WriteVarInt((int)rule.Decision);
        }
    }

    private static UserAcl ReadUserAcl(ref WireReader r)
    {
        var username = r.ReadRequiredString();
        var rules = new AclRule[r.ReadLength()];
        for (var i = 0; i < rules.Length; i++)
            rules[i] = new AclRule(ReadAclResource(ref r), (AclAction)r.ReadVarInt(), r.ReadStrings(), (Decision)r.ReadVarInt());
        return new UserAcl(username, rules);
    }

    private static DeleteAcl ReadDeleteAcl(ref WireReader r)
    {
        var username = r.ReadRequiredString();
        var resources = new AclResource[r.ReadLength()];
        for (var i = 0; i < resources.Length; i++) resources[i] = ReadAclResource(ref r);
        return new DeleteAcl(username, resources);
    }

    private static AuthAdminReply ReadAuthAdminReply(ref WireReader r)
    {
        var code = (ResponseCode)r.ReadVarInt();
        var error = r.ReadString();
        var users = new User[r.ReadLength()];
        for (var i = 0; i < users.Length; i++) users[i] = ReadUser(ref r);
        var acls = new UserAcl[r.ReadLength()];
        for (var i = 0; i < acls.Length; i++) acls[i] = ReadUserAcl(ref r);
        return new AuthAdminReply(code, error, users, acls);
    }
}
