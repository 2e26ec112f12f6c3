using Akka.Actor;
using Akka.Serialization;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Auth;

namespace AkkaMq.Auth;

/// <summary>
/// A node's copy on disk of every user and ACL (auth.bin: one <see cref="AuthAdminReply"/> in AkkaMq's
/// binary format), rewritten whole after each change (they are few and change rarely) through a
/// temporary file and a rename, so a crash leaves the old or the new copy. Secrets are in it: keep the
/// directory private.
/// </summary>
public sealed class AuthSnapshotFile
{
    private readonly Serializer _serializer;

    public AuthSnapshotFile(string dir, ActorSystem system)
    {
        Directory.CreateDirectory(dir);
        Path = System.IO.Path.Combine(dir, "auth.bin");
        _serializer = system.Serialization.FindSerializerForType(typeof(AuthAdminReply));
    }

    public string Path { get; }

    public void Write(AuthCache cache)
    {
        var snapshot = new AuthAdminReply(ResponseCode.Success, null, cache.Users.Values.ToList(), cache.Acls.Values.ToList());
        var tmp = Path + ".tmp";
        File.WriteAllBytes(tmp, _serializer.ToBinary(snapshot));
        File.Move(tmp, Path, overwrite: true);
    }

    public AuthAdminReply? Read()
    {
        if (!File.Exists(Path)) return null;
        var bytes = File.ReadAllBytes(Path);
        return ((SerializerWithStringManifest)_serializer).FromBinary(bytes, "UR") as AuthAdminReply;
    }
}
