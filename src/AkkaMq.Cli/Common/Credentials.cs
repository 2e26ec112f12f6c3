namespace AkkaMq.Cli.Common;

/// <summary>
/// The CLI's credentials for a cluster with auth on, first found wins: --accessKey/--secretKey, the
/// environment (AKKAMQ_ACCESS_KEY, AKKAMQ_SECRET_KEY), then a credentials file (--credentials, else
/// ~/.akkamq/credentials) of "accessKey=..." and "secretKey=..." lines. None: requests go unsigned.
/// </summary>
public static class Credentials
{
    public const string AccessKeyEnv = "AKKAMQ_ACCESS_KEY";
    public const string SecretKeyEnv = "AKKAMQ_SECRET_KEY";

    public static string DefaultFile => Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".akkamq", "credentials");

    /// <summary>HOCON for the client system (akkamq.client.access-key/secret-key), or null without credentials.</summary>
    public static string? Hocon(string? accessKey, string? secretKey, string? file, Func<string, string?>? env = null)
    {
        env ??= Environment.GetEnvironmentVariable;
        accessKey ??= env(AccessKeyEnv);
        secretKey ??= env(SecretKeyEnv);
        if (string.IsNullOrEmpty(accessKey) || string.IsNullOrEmpty(secretKey))
        {
            var path = file ?? DefaultFile;
            if (file != null && !File.Exists(file)) throw new CliException($"credentials file {file} does not exist", 2);
            if (File.Exists(path))
                foreach (var line in File.ReadAllLines(path))
                {
                    var eq = line.IndexOf('=');
                    if (eq <= 0 || line.TrimStart().StartsWith('#')) continue;
                    var (key, value) = (line[..eq].Trim(), line[(eq + 1)..].Trim());
                    if (key.Equals("accessKey", StringComparison.OrdinalIgnoreCase)) accessKey = string.IsNullOrEmpty(accessKey) ? value : accessKey;
                    else if (key.Equals("secretKey", StringComparison.OrdinalIgnoreCase)) secretKey = string.IsNullOrEmpty(secretKey) ? value : secretKey;
                }
        }
        if (string.IsNullOrEmpty(accessKey) && string.IsNullOrEmpty(secretKey)) return null;
        if (string.IsNullOrEmpty(accessKey) || string.IsNullOrEmpty(secretKey))
            throw new CliException($"give both an access key and a secret key (--accessKey/--secretKey, {AccessKeyEnv}/{SecretKeyEnv} or a credentials file)", 2);
        return $"akkamq.client.access-key = {Quote(accessKey)}\nakkamq.client.secret-key = {Quote(secretKey)}";
    }

    private static string Quote(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
