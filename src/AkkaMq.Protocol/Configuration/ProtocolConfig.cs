using Akka.Configuration;

namespace AkkaMq.Protocol.Configuration;

/// <summary>Embedded HOCON defaults of the protocol layer (serializer bindings, remote frame size).</summary>
public static class ProtocolConfig
{
    public static Config Default { get; } = Load(typeof(ProtocolConfig).Assembly, "AkkaMq.Protocol.reference.conf");

    /// <summary>Largest frame on either wire: Akka.Remote's maximum-frame-size, which the data channel shares.</summary>
    public static int MaxFrameBytes(Config root) =>
        (int)Math.Min(int.MaxValue, root.WithFallback(Default).GetByteSize("akka.remote.dot-netty.tcp.maximum-frame-size")!.Value);

    /// <summary>The frame limit of the reference config (settings built in code start from it).</summary>
    public static int DefaultMaxFrameBytes { get; } = MaxFrameBytes(Config.Empty);

    public static Config Load(System.Reflection.Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)
                           ?? throw new InvalidOperationException($"embedded resource {resource} is missing");
        using var reader = new StreamReader(stream);
        return ConfigurationFactory.ParseString(reader.ReadToEnd());
    }
}
