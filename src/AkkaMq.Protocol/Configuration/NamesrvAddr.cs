using Akka.Configuration;

namespace AkkaMq.Protocol.Configuration;

/// <summary>RocketMQ's namesrvAddr form, "host:port;host:port", shared by broker and client settings.</summary>
public static class NamesrvAddr
{
    /// <param name="key">The HOCON key being read, named in the error.</param>
    public static IReadOnlyList<string> Parse(string? text, string key)
    {
        var list = new List<string>();
        if (string.IsNullOrWhiteSpace(text)) return list;
        foreach (var part in text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = part.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(part[(colon + 1)..], out var port) || port is < 1 or > 65535)
                throw new ConfigurationException($"{key}: '{part}' is not host:port");
            list.Add(part);
        }
        return list;
    }
}
