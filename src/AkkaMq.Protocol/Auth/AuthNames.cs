namespace AkkaMq.Protocol.Auth;

/// <summary>Name rules and parsing of the admin's text forms (actions, decision), with errors that name the problem.</summary>
public static class AuthNames
{
    public const int UsernameMaxLength = 64;
    public const int PasswordMinLength = 6;
    public const int PasswordMaxLength = 256;

    /// <summary>RocketMQ's rule for usernames: letters, digits, '_' and '-'.</summary>
    public static string? CheckUsername(string? username)
    {
        if (string.IsNullOrEmpty(username)) return "username is empty";
        if (username.Length > UsernameMaxLength) return $"username is {username.Length} characters long, the maximum is {UsernameMaxLength}";
        foreach (var c in username)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
                return $"username '{username}' contains the illegal character '{c}'; allowed are letters, digits, '_' and '-'";
        return null;
    }

    public static string? CheckPassword(string? password)
    {
        if (string.IsNullOrEmpty(password)) return "password is empty";
        if (password.Length < PasswordMinLength) return $"password is shorter than {PasswordMinLength} characters";
        if (password.Length > PasswordMaxLength) return $"password is longer than {PasswordMaxLength} characters";
        return null;
    }

    /// <summary>"Pub,Sub" or "All" (case-insensitive); the error names the unknown action.</summary>
    public static AclAction ParseActions(string? text, out string? error)
    {
        error = null;
        var result = AclAction.None;
        foreach (var part in (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Enum.TryParse<AclAction>(part, true, out var a) || a == AclAction.None || int.TryParse(part, out _))
            {
                error = $"action '{part}' is unknown; use Pub, Sub, Create, Update, Delete, Get, List or All";
                return AclAction.None;
            }
            result |= a;
        }
        if (result == AclAction.None) error = "no action given; use Pub, Sub, Create, Update, Delete, Get, List or All";
        return result;
    }

    public static Decision? ParseDecision(string? text, out string? error)
    {
        error = null;
        if (string.Equals(text, "Allow", StringComparison.OrdinalIgnoreCase)) return Decision.Allow;
        if (string.Equals(text, "Deny", StringComparison.OrdinalIgnoreCase)) return Decision.Deny;
        error = $"decision '{text}' is unknown; use Allow or Deny";
        return null;
    }

    public static UserType? ParseUserType(string? text, out string? error)
    {
        error = null;
        if (string.IsNullOrEmpty(text) || string.Equals(text, "Normal", StringComparison.OrdinalIgnoreCase)) return UserType.Normal;
        if (string.Equals(text, "Super", StringComparison.OrdinalIgnoreCase)) return UserType.Super;
        error = $"user type '{text}' is unknown; use Super or Normal";
        return null;
    }

    public static UserStatus? ParseUserStatus(string? text, out string? error)
    {
        error = null;
        if (string.IsNullOrEmpty(text) || string.Equals(text, "Enable", StringComparison.OrdinalIgnoreCase)
            || string.Equals(text, "Enabled", StringComparison.OrdinalIgnoreCase)) return UserStatus.Enabled;
        if (string.Equals(text, "Disable", StringComparison.OrdinalIgnoreCase) || string.Equals(text, "Disabled", StringComparison.OrdinalIgnoreCase))
            return UserStatus.Disabled;
        error = $"user status '{text}' is unknown; use enable or disable";
        return null;
    }
}
