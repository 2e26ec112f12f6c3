using Akka.Configuration;

namespace AkkaMq.Protocol.Configuration;

/// <summary>Embedded HOCON defaults of the protocol layer (serializer bindings, remote frame size).</summary>
public static class ProtocolConfig
{
    public static Config Default { get; } = Load(typeof(ProtocolConfig).Assembly, "AkkaMq.Protocol.reference.conf");

    public static Config Load(System.Reflection.Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)
                           ?? throw new InvalidOperationException($"embedded resource {resource} is missing");
        using var reader = new StreamReader(stream);
        return ConfigurationFactory.ParseString(reader.ReadToEnd());
    }
}
