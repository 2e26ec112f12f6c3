using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Serialization;
using AkkaMq.Protocol.Transaction;

namespace AkkaMq.Protocol.Tests;

/// <summary>Samples of the transactional-message protocol and the transaction entity's persisted formats.</summary>
internal static class TransactionSamples
{
    private static IReadOnlyDictionary<string, string> HalfProps() => new Dictionary<string, string>
    {
        [TransactionConst.TransactionPrepared] = "true", [TransactionConst.ProducerGroup] = "pg-" + Samples.Unicode,
        [TransactionConst.CheckImmunityTimeInSeconds] = "60", ["UNIQ_KEY"] = "0A1B2C3D",
    };

    private static SendEntry Half(long id, string topic) => new(id, 3, false, 1_700_000_000_000, new Message(topic, Samples.AllByteValues, "TagA", "k1 k2", HalfProps()));

    public static readonly string TxId = TransactionIds.Of("broker-a", 42);

    public static readonly Dictionary<string, Func<object>> All = new()
    {
        ["PrepareHalfMessages"] = () => new PrepareHalfMessages("broker-a", new[] { Half(1, "TopicTest"), Half(long.MaxValue, Samples.Unicode) }),
        ["EndTransaction"] = () => new EndTransaction("broker-a", "pg-1", "TopicTest", TxId, TransactionResolution.Commit, false),
        ["EndTransaction-check"] = () => new EndTransaction("broker-a", Samples.Unicode, Samples.LongAscii, TxId, TransactionResolution.Unknown, true),
        ["EndTransactionReply"] = () => new EndTransactionReply("broker-a", TxId, TransactionResolution.Commit, 3, long.MaxValue, ResponseCode.Success, null),
        ["EndTransactionReply-failed"] = () => new EndTransactionReply("broker-a", "x", TransactionResolution.Rollback, -1, -1, ResponseCode.QueryNotFound,
            "no half message " + Samples.Unicode),
        ["CheckTransactionState"] = () => new CheckTransactionState("broker-a", "pg-1", TxId, 15,
            Samples.Ext(42, "TagA", "k1", HalfProps(), Samples.AllByteValues)),
        ["QueryHalfMessages"] = () => new QueryHalfMessages("broker-a", "TopicTest", null, 100),
        ["QueryHalfMessages-all"] = () => new QueryHalfMessages("broker-a", null, Samples.Unicode, int.MaxValue),
        ["HalfMessageList"] = () => new HalfMessageList("broker-a", 1_700_000_060_000, 7, new[]
        {
            new HalfMessageInfo("TopicTest", 3, "pg-1", TxId, "0A1B2C3D", "k1 k2", 1_700_000_000_000, 2, 1_700_000_030_000, 256),
            new HalfMessageInfo(Samples.Unicode, 0, Samples.LongUnicode, "t", null, null, 0, 0, 0, 0),
        }, ResponseCode.Success, null),
        ["HalfMessageList-failed"] = () => new HalfMessageList("b", 0, 0, Array.Empty<HalfMessageInfo>(), ResponseCode.ServiceNotAvailable, "failing over"),
        ["HalfMessagesStored"] = () => new HalfMessagesStored(100, 1_700_000_000_123, new[] { Half(1, "TopicTest"), Half(2, Samples.Unicode) }),
        ["HalfMessagesResolved"] = () => new HalfMessagesResolved(new[]
        {
            new HalfResolution(100, HalfMessageOutcome.Committed, 3, 4711), new HalfResolution(101, HalfMessageOutcome.RolledBack, -1, -1),
            new HalfResolution(long.MaxValue, HalfMessageOutcome.CheckMaxReached, 0, 0), new HalfResolution(0, HalfMessageOutcome.Expired, -1, -1),
        }),
        ["HalfMessagesChecked"] = () => new HalfMessagesChecked(1_700_000_030_000, new long[] { 100, 0, long.MaxValue }),
        ["TransactionLogSnapshot"] = () => new TransactionLogSnapshot(102, new[]
        {
            new PendingHalfMessage(101, 1_700_000_000_123, 3, 1_700_000_030_000, Half(7, "TopicTest")),
        }, new[] { new HalfResolution(100, HalfMessageOutcome.Committed, 3, 4711) }),
        ["TransactionLogSnapshot-empty"] = () => new TransactionLogSnapshot(0, Array.Empty<PendingHalfMessage>(), Array.Empty<HalfResolution>()),
    };

    public static readonly (Type Type, string Manifest)[] PinnedManifests =
    {
        (typeof(PrepareHalfMessages), "TPM"), (typeof(EndTransaction), "TET"), (typeof(EndTransactionReply), "TER"),
        (typeof(CheckTransactionState), "TCK"), (typeof(QueryHalfMessages), "THQ"), (typeof(HalfMessageList), "THL"),
        (typeof(HalfMessagesStored), "TSH1"), (typeof(HalfMessagesResolved), "TSR1"), (typeof(HalfMessagesChecked), "TSC1"),
        (typeof(TransactionLogSnapshot), "TSS1"),
    };

    public static IEnumerable<object[]> Names => All.Keys.Select(k => new object[] { k });
    public static IEnumerable<object[]> Manifests => PinnedManifests.Select(x => new object[] { x.Type.Name, x.Manifest });
}

public sealed class TransactionSerializerTests : IClassFixture<SerializerFixture>
{
    private readonly SerializerFixture _fx;
    public TransactionSerializerTests(SerializerFixture fx) => _fx = fx;
    private AkkaMqSerializer Ser => _fx.Serializer;

    [Theory]
    [MemberData(nameof(TransactionSamples.Names), MemberType = typeof(TransactionSamples))]
    public void Every_transaction_sample_round_trips_field_by_field(string name)
    {
        _fx.AssertRoundTrip(TransactionSamples.All[name]());
    }

    [Theory]
    [MemberData(nameof(TransactionSamples.Manifests), MemberType = typeof(TransactionSamples))]
    public void Transaction_manifests_are_pinned(string typeName, string manifest)
    {
        var sample = TransactionSamples.All.Values.Select(f => f()).First(o => o.GetType().Name == typeName);
        Assert.Equal(manifest, Ser.Manifest(sample));
        // Wire messages start with 'T'; the entity's persisted formats with "TS" and end in a version digit.
        Assert.True(manifest.StartsWith('T') && (!manifest.StartsWith("TS") || char.IsDigit(manifest[^1])), manifest);
    }

    [Theory]
    [MemberData(nameof(TransactionSamples.Names), MemberType = typeof(TransactionSamples))]
    public void Truncated_transaction_payloads_are_refused(string name)
    {
        var m = TransactionSamples.All[name]();
        var bytes = Ser.ToBinary(m);
        for (var cut = 0; cut < bytes.Length; cut += Math.Max(1, bytes.Length / 50))
        {
            var ex = Record.Exception(() => Ser.FromBinary(bytes[..cut], Ser.Manifest(m)));
            Assert.True(ex != null, $"{name}: {cut} of {bytes.Length} bytes were accepted");
        }
    }

    [Fact]
    public void A_transaction_id_names_its_broker_and_half_offset()
    {
        var id = TransactionIds.Of("broker-a", 4711);
        Assert.True(TransactionIds.TryParse("broker-a", id, out var offset));
        Assert.Equal(4711, offset);
        Assert.False(TransactionIds.TryParse("broker-b", id, out _));
        Assert.False(TransactionIds.TryParse("broker-a", MessageId.Encode("broker-a", "TopicTest", 0, 4711), out _));
        Assert.False(TransactionIds.TryParse("broker-a", "not-an-id", out _));
        Assert.False(TransactionIds.TryParse("broker-a", null, out _));
    }

    [Fact]
    public void A_half_message_is_marked_by_TRAN_MSG_true()
    {
        Assert.True(TransactionConst.IsHalf(new Dictionary<string, string> { ["TRAN_MSG"] = "TRUE" }));
        Assert.False(TransactionConst.IsHalf(new Dictionary<string, string> { ["TRAN_MSG"] = "false" }));
        Assert.False(TransactionConst.IsHalf(Message.EmptyProperties));
        Assert.Null(TransactionConst.ProducerGroupOf(new Dictionary<string, string> { ["PGROUP"] = "" }));
        Assert.Equal("pg", TransactionConst.ProducerGroupOf(new Dictionary<string, string> { ["PGROUP"] = "pg" }));
    }
}
