using Akka.Actor;

namespace AkkaMq.Protocol.Broker;

/// <summary>
/// Told by the node's gRPC endpoint (AkkaMq.Proxy) to the local broker gateway once it listens: the gateway
/// registers Endpoint (host:port) with the NameServer, so routes served over gRPC name this node. Local only.
/// </summary>
public sealed record GrpcEndpointBound(string Endpoint) : INoSerializationVerificationNeeded;
