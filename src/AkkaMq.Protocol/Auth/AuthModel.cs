using System.Net;

namespace AkkaMq.Protocol.Auth;

// RocketMQ 5's ACL 2.0 model: users (access key + secret) and, per user, rules of
// resource + actions + source IPs + decision. Deny wins; no matching rule means denied.

public enum UserType { Super = 0, Normal = 1 }

public enum UserStatus { Enabled = 0, Disabled = 1 }

/// <summary>A user; Username is the access key and Password the secret key (HMAC needs it on the server, so it is stored).</summary>
public sealed record User(string Username, string Password, UserType Type, UserStatus Status) : IAkkaMqMessage
{
    public bool IsSuper => Type == UserType.Super;

    /// <summary>The user as admin reads show it: the secret never leaves the node.</summary>
    public User Redacted() => this with { Password = "" };
}

public enum ResourceType { Any = 0, Cluster = 1, Namespace = 2, Topic = 3, Group = 4 }

public enum ResourcePattern { Literal = 0, Prefixed = 1, Any = 2 }

/// <summary>Actions as flags so a rule can carry several; All covers every one.</summary>
[Flags]
public enum AclAction
{
    None = 0,
    Pub = 1,
    Sub = 2,
    Create = 4,
    Update = 8,
    Delete = 16,
    Get = 32,
    List = 64,
    All = Pub | Sub | Create | Update | Delete | Get | List,
}

public enum Decision { Allow = 0, Deny = 1 }

/// <summary>
/// A resource in RocketMQ's text form: "Topic:orders" (LITERAL), "Topic:orders-*" (PREFIXED),
/// "Topic:*" (ANY of that type) and "*" (any resource of any type).
/// </summary>
public sealed record AclResource(ResourceType Type, string Name, ResourcePattern Pattern)
{
    public static readonly AclResource Everything = new(ResourceType.Any, "*", ResourcePattern.Any);

    public bool Matches(ResourceType type, string name) =>
        (Type == ResourceType.Any || Type == type) && Pattern switch
        {
            ResourcePattern.Any => true,
            ResourcePattern.Prefixed => name.StartsWith(Name, StringComparison.Ordinal),
            _ => name == Name,
        };

    public override string ToString() => Type == ResourceType.Any ? "*"
        : $"{Type}:{Pattern switch { ResourcePattern.Any => "*", ResourcePattern.Prefixed => Name + "*", _ => Name }}";

    /// <summary>Parses the text form; the error names what is wrong, or null.</summary>
    public static AclResource? TryParse(string? text, out string? error)
    {
        error = null;
        text = text?.Trim();
        if (string.IsNullOrEmpty(text)) { error = "resource is empty; write Type:name, Type:prefix*, Type:* or *"; return null; }
        if (text == "*") return Everything;
        var colon = text.IndexOf(':');
        if (colon <= 0 || !Enum.TryParse<ResourceType>(text[..colon], true, out var type) || type == ResourceType.Any
            || !Enum.IsDefined(type) || int.TryParse(text[..colon], out _))
        {
            error = $"resource '{text}' must start with Cluster:, Namespace:, Topic: or Group:";
            return null;
        }
        var name = text[(colon + 1)..];
        if (name == "*") return new AclResource(type, "*", ResourcePattern.Any);
        var prefixed = name.EndsWith('*');
        if (prefixed) name = name[..^1];
        var nameError = type == ResourceType.Group ? Validators.CheckGroup(name) : Validators.CheckTopic(name);
        if (nameError != null)
        {
            error = $"resource '{text}': {nameError.Replace("topic name", "name").Replace("consumer group name", "name")}";
            return null;
        }
        return new AclResource(type, name, prefixed ? ResourcePattern.Prefixed : ResourcePattern.Literal);
    }
}

/// <summary>One ACL entry: what it covers (resource, actions, source IP ranges; none means any source) and its decision.</summary>
public sealed record AclRule(AclResource Resource, AclAction Actions, IReadOnlyList<string> SourceIps, Decision Decision)
{
    public bool Covers(ResourceType type, string name, AclAction action, IPAddress? source) =>
        (Actions & action) == action && Resource.Matches(type, name) && IpRanges.Contains(SourceIps, source);

    public override string ToString() =>
        $"{Resource} {Actions} {(SourceIps.Count == 0 ? "any-ip" : string.Join(",", SourceIps))} {Decision}";
}

/// <summary>All ACL entries of one user (RocketMQ's Acl of a subject "User:name").</summary>
public sealed record UserAcl(string Username, IReadOnlyList<AclRule> Rules) : IAkkaMqMessage;

/// <summary>CIDR ranges ("10.0.0.0/8", "::1/128") or single addresses.</summary>
public static class IpRanges
{
    /// <summary>No ranges means any source; with ranges an unknown source is outside them all.</summary>
    public static bool Contains(IReadOnlyList<string> ranges, IPAddress? source)
    {
        if (ranges.Count == 0) return true;
        if (source == null) return false;
        if (source.IsIPv4MappedToIPv6) source = source.MapToIPv4();
        foreach (var r in ranges)
            if (IPNetwork.TryParse(r.Contains('/') ? r : r + (r.Contains(':') ? "/128" : "/32"), out var net) && net.Contains(source))
                return true;
        return false;
    }

    /// <summary>The error naming the bad range, or null.</summary>
    public static string? Check(string range)
    {
        var text = range.Contains('/') ? range : range + (range.Contains(':') ? "/128" : "/32");
        return IPNetwork.TryParse(text, out _) ? null : $"source IP range '{range}' is not an address or CIDR range (10.0.0.0/8, ::1/128)";
    }
}
