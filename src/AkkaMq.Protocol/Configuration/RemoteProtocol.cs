using Akka.Configuration;

namespace AkkaMq.Protocol.Configuration;

/// <summary>
/// The protocol part of remote addresses ("akka.tcp"). Transport adapters change it (the test
/// kit's throttler makes it "akka.trttl.tcp"), so paths to other nodes must be built from config.
/// </summary>
public static class RemoteProtocol
{
    public const string Default = "akka.tcp";

    public static string Of(Config config)
    {
        var adapters = config.HasPath("akka.remote.dot-netty.tcp.applied-adapters")
            ? config.GetStringList("akka.remote.dot-netty.tcp.applied-adapters")
            : null;
        if (adapters == null || adapters.Count == 0) return Default;
        // Each adapter wraps the previous one and puts its scheme in front.
        return "akka." + string.Join(".", adapters.Reverse()) + ".tcp";
    }
}
