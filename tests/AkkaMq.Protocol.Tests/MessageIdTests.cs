using System.Text;
using System.Text.RegularExpressions;

namespace AkkaMq.Protocol.Tests;

public sealed class MessageIdTests
{
    private static readonly Regex Hex32 = new("^[0-9A-F]{32}$", RegexOptions.CultureInvariant);

    public static IEnumerable<object[]> Positions()
    {
        foreach (var queue in new[] { 0, 1, 7, 255, 256, 65_535 })
        foreach (var offset in new[] { 0L, 1L, 255L, (1L << 32) - 1, 1L << 32, (1L << 32) + 5, MessageId.MaxOffset })
            yield return new object[] { queue, offset };
    }

    [Theory]
    [MemberData(nameof(Positions))]
    public void Encode_then_TryParse_recovers_every_part(int queueId, long offset)
    {
        var text = MessageId.Encode("broker-a", "TopicTest", queueId, offset);
        Assert.Matches(Hex32, text);
        Assert.True(MessageId.TryParse(text, out var id));
        Assert.Equal(MessageId.Hash("broker-a"), id.BrokerHash);
        Assert.Equal(MessageId.Hash("TopicTest"), id.TopicHash);
        Assert.Equal(queueId, id.QueueId);
        Assert.Equal(offset, id.QueueOffset);
        Assert.Equal(text, id.ToString());
    }

    [Fact]
    public void Max_offset_is_48_bits()
    {
        Assert.Equal((1L << 48) - 1, MessageId.MaxOffset);
        var text = MessageId.Encode("b", "t", 0, MessageId.MaxOffset);
        Assert.EndsWith("0000FFFFFFFFFFFF", text);
    }

    [Fact]
    public void Layout_is_broker_hash_topic_hash_queue_offset()
    {
        // Hash("a") = 0xE40C292C; queue 1 -> 0001; offset 2^32+5 -> 0001 00000005
        Assert.Equal("E40C292C" + "E40C292C" + "0001" + "0001" + "00000005", MessageId.Encode("a", "a", 1, (1L << 32) + 5));
        Assert.Equal("E40C292C" + "811C9DC5" + "FFFF" + "0000" + "00000000", MessageId.Encode("a", "", 65_535, 0));
    }

    [Fact]
    public void Id_is_32_uppercase_hex_characters()
    {
        foreach (var (b, t) in new[] { ("broker-a", "TopicTest"), ("主题-ü", "ü"), ("", ""), (new string('x', 500), "%RETRY%g") })
        {
            var text = MessageId.Encode(b, t, 3, 123456789);
            Assert.Equal(32, text.Length);
            Assert.Matches(Hex32, text);
        }
    }

    [Fact]
    public void Distinct_positions_give_distinct_ids()
    {
        var ids = new HashSet<string>();
        for (var q = 0; q < 16; q++)
        for (var o = 0L; o < 500; o++)
            Assert.True(ids.Add(MessageId.Encode("broker-a", "TopicTest", q, o)), $"duplicate id for queue {q} offset {o}");
        foreach (var o in new[] { 1L << 32, (1L << 32) + 1, 1L << 40, MessageId.MaxOffset })
            Assert.True(ids.Add(MessageId.Encode("broker-a", "TopicTest", 0, o)));
        Assert.True(ids.Add(MessageId.Encode("broker-b", "TopicTest", 0, 0)));
        Assert.True(ids.Add(MessageId.Encode("broker-a", "TopicTest2", 0, 0)));
    }

    [Fact]
    public void Same_position_gives_the_same_id()
    {
        Assert.Equal(MessageId.Encode("broker-a", "TopicTest", 2, 99), MessageId.Encode("broker-a", "TopicTest", 2, 99));
        var ext = new MessageExt("TopicTest", "broker-a", 2, 99, null, null, Message.EmptyProperties, Array.Empty<byte>(), 0, 0);
        Assert.Equal(MessageId.Encode("broker-a", "TopicTest", 2, 99), ext.MsgId);
    }

    [Fact]
    public void Hash_is_FNV1a_32_over_UTF8()
    {
        Assert.Equal(0x811C9DC5u, MessageId.Hash(""));       // offset basis
        Assert.Equal(0xE40C292Cu, MessageId.Hash("a"));      // published test vector
        Assert.Equal(0xBF9CF968u, MessageId.Hash("foobar")); // published test vector
        // by hand for "a": (0x811C9DC5 ^ 0x61) * 16777619 mod 2^32
        Assert.Equal(unchecked((0x811C9DC5u ^ 0x61u) * 16777619u), MessageId.Hash("a"));
        // non-ASCII goes through UTF-8 bytes (C3 BC for 'ü'), not UTF-16 units
        var h = 2166136261u;
        foreach (var b in new byte[] { 0xC3, 0xBC }) h = unchecked((h ^ b) * 16777619u);
        Assert.Equal(h, MessageId.Hash("ü"));
        Assert.Equal(Encoding.UTF8.GetBytes("ü"), new byte[] { 0xC3, 0xBC });
    }

    [Fact]
    public void Hash_is_stable_and_discriminating()
    {
        Assert.Equal(MessageId.Hash("broker-a"), MessageId.Hash("broker-a"));
        Assert.NotEqual(MessageId.Hash("broker-a"), MessageId.Hash("broker-b"));
        Assert.NotEqual(MessageId.Hash("TopicTest"), MessageId.Hash("topictest"));
    }

    [Fact]
    public void Record_equality_after_round_trip()
    {
        var id = new MessageId(0xDEADBEEF, 0x01020304, 42, (1L << 47) + 3);
        Assert.True(MessageId.TryParse(id.ToString(), out var back));
        Assert.Equal(id, back);
        Assert.Equal("DEADBEEF01020304002A800000000003", id.ToString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("E40C292CE40C292C000100010000000")]   // 31
    [InlineData("E40C292CE40C292C00010001000000050")] // 33
    [InlineData("G40C292CE40C292C0001000100000005")]  // 'G'
    [InlineData("E40C292CE40C292C000100010000000Z")]  // 'Z' last
    [InlineData("E40C292C-E40C292C-0001-0001-0005")] // dashes
    [InlineData("0x0C292CE40C292C0001000100000005")]
    [InlineData("+40C292CE40C292C0001000100000005")]
    [InlineData("ÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉ")]
    [InlineData("  0C292CE40C292C0001000100000005")]
    public void TryParse_refuses_null_wrong_length_and_non_hex(string? text)
    {
        Assert.False(MessageId.TryParse(text, out var id));
        Assert.Equal(default, id);
    }

    [Fact]
    public void TryParse_accepts_lowercase()
    {
        var text = MessageId.Encode("broker-a", "TopicTest", 1, 77);
        Assert.True(MessageId.TryParse(text.ToLowerInvariant(), out var id));
        Assert.Equal(text, id.ToString());
    }
}

public sealed class MessageIdStrictnessTests
{
    [Theory]
    [InlineData(" 000000000000000000000000000000")]
    [InlineData("00000000000000000000000000000 0")]
    [InlineData("+0000000000000000000000000000000")]
    public void Whitespace_and_signs_are_not_hex(string text) => Assert.False(AkkaMq.Protocol.MessageId.TryParse(text, out _));
}
