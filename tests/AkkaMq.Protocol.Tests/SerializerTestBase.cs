using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.NameServer;
using AkkaMq.Protocol.Serialization;
using AkkaMq.Protocol.Store;

namespace AkkaMq.Protocol.Tests;

/// <summary>Round trips through the shared serializer, and field-by-field comparisons of the parts messages share.</summary>
public abstract class SerializerTestBase : IClassFixture<SerializerFixture>
{
    protected SerializerTestBase(SerializerFixture fx) => Fx = fx;

    protected SerializerFixture Fx { get; }
    protected AkkaMqSerializer Ser => Fx.Serializer;

    protected T RoundTrip<T>(T message) where T : notnull
    {
        var bytes = Ser.ToBinary(message);
        var manifest = Ser.Manifest(message);
        var back = Ser.FromBinary(bytes, manifest);
        return Assert.IsType<T>(back);
    }

    // ---------- comparison helpers ----------

    protected static void AssertProps(IReadOnlyDictionary<string, string> expected, IReadOnlyDictionary<string, string> actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.Count, actual.Count);
        foreach (var kv in expected)
        {
            Assert.True(actual.TryGetValue(kv.Key, out var v), $"property '{kv.Key}' is missing");
            Assert.Equal(kv.Value, v);
        }
    }

    protected static void AssertMessage(Message expected, Message actual)
    {
        Assert.Equal(expected.Topic, actual.Topic);
        Assert.Equal(expected.Tags, actual.Tags);
        Assert.Equal(expected.Keys, actual.Keys);
        AssertProps(expected.Properties, actual.Properties);
        Assert.Equal(expected.Body, actual.Body);
    }

    protected static void AssertEntries(IReadOnlyList<SendEntry> expected, IReadOnlyList<SendEntry> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].CorrelationId, actual[i].CorrelationId);
            Assert.Equal(expected[i].QueueId, actual[i].QueueId);
            Assert.Equal(expected[i].Oneway, actual[i].Oneway);
            Assert.Equal(expected[i].BornTimestamp, actual[i].BornTimestamp);
            AssertMessage(expected[i].Message, actual[i].Message);
        }
    }

    protected static void AssertStored(StoredMessage expected, StoredMessage actual)
    {
        Assert.Equal(expected.Tags, actual.Tags);
        Assert.Equal(expected.Keys, actual.Keys);
        AssertProps(expected.Properties, actual.Properties);
        Assert.Equal(expected.BornTimestamp, actual.BornTimestamp);
        Assert.Equal(expected.Body, actual.Body);
    }

    protected static void AssertExt(MessageExt expected, MessageExt actual)
    {
        Assert.Equal(expected.Topic, actual.Topic);
        Assert.Equal(expected.BrokerName, actual.BrokerName);
        Assert.Equal(expected.QueueId, actual.QueueId);
        Assert.Equal(expected.QueueOffset, actual.QueueOffset);
        Assert.Equal(expected.Tags, actual.Tags);
        Assert.Equal(expected.Keys, actual.Keys);
        AssertProps(expected.Properties, actual.Properties);
        Assert.Equal(expected.Body, actual.Body);
        Assert.Equal(expected.BornTimestamp, actual.BornTimestamp);
        Assert.Equal(expected.StoreTimestamp, actual.StoreTimestamp);
        Assert.Equal(expected.MsgId, actual.MsgId);
    }

    protected static void AssertOffsets(IReadOnlyDictionary<int, long> expected, IReadOnlyDictionary<int, long> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        foreach (var kv in expected)
        {
            Assert.True(actual.TryGetValue(kv.Key, out var v), $"queue {kv.Key} is missing");
            Assert.Equal(kv.Value, v);
        }
    }

    protected static void AssertIdentity(BrokerIdentity expected, BrokerIdentity actual)
    {
        Assert.Equal(expected.ClusterName, actual.ClusterName);
        Assert.Equal(expected.BrokerName, actual.BrokerName);
        Assert.Equal(expected.BrokerId, actual.BrokerId);
        Assert.Equal(expected.Address, actual.Address);
    }
}
