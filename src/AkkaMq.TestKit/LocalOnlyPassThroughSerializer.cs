using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Serialization;

namespace AkkaMq.TestKit;

/// <summary>
/// Test-only: lets akka.actor.serialize-messages = on coexist with Akka's own local-only internal
/// messages that cannot be serialized (DData's ReadRepair, Akka.Persistence.Sql's WriteFinished, cluster ReachabilityChanged)
/// or lose state when they are: cluster membership events come back with every member's upNumber
/// at 0, so each node orders members by address alone, two nodes disagree on which is oldest and
/// the singletons (NameServer, shard coordinator) get stuck waiting for a hand-over.
/// Verification has no exemption list, and failing it drops those messages (a sharding
/// coordinator then never starts). This serializer hands the same object back, so everything
/// else, every AkkaMq message included, is still really serialized. Never bind it in production.
/// </summary>
public sealed class LocalOnlyPassThroughSerializer : Serializer
{
    private static readonly ConcurrentDictionary<long, object> InFlight = new();
    private static long _next;

    public LocalOnlyPassThroughSerializer(ExtendedActorSystem system) : base(system) { }

    public override int Identifier => 8499;
    public override bool IncludeManifest => false;

    public override byte[] ToBinary(object obj)
    {
        var id = Interlocked.Increment(ref _next);
        InFlight[id] = obj;
        return BitConverter.GetBytes(id);
    }

    public override object FromBinary(byte[] bytes, Type? type) =>
        InFlight.TryRemove(BitConverter.ToInt64(bytes), out var obj)
            ? obj
            : throw new InvalidOperationException("LocalOnlyPassThroughSerializer: message crossed a process boundary");

    /// <summary>HOCON binding the Akka internals that serialize-messages cannot verify.</summary>
    public const string Hocon = """
        akka.actor.serializers.akkamq-test-passthrough = "AkkaMq.TestKit.LocalOnlyPassThroughSerializer, AkkaMq.TestKit"
        akka.actor.serialization-bindings {
          "Akka.DistributedData.Internal.ReadRepair, Akka.DistributedData" = akkamq-test-passthrough
          "Akka.Persistence.Sql.Journal.Types.WriteFinished, Akka.Persistence.Sql" = akkamq-test-passthrough
          "Akka.Cluster.ClusterEvent+ReachabilityChanged, Akka.Cluster" = akkamq-test-passthrough
          "Akka.Cluster.ClusterEvent+IClusterDomainEvent, Akka.Cluster" = akkamq-test-passthrough
          "Akka.Cluster.ClusterEvent+CurrentClusterState, Akka.Cluster" = akkamq-test-passthrough
          # A failed journal write's reply carries the exception, which does not serialize: verified,
          # it was dropped and the writer never learned of the failure.
          "Akka.Persistence.Journal.AsyncWriteJournal+Desequenced, Akka.Persistence" = akkamq-test-passthrough
        }
        """;
}
