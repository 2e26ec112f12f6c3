using System.Text;
using AkkaMq.Protocol.Broker;

namespace AkkaMq.Protocol.Tests;

/// <summary>An auto-create's UpdateTopicConfig travels under "BUT3" with its flag; every other update keeps its manifest and bytes.</summary>
public sealed class AutoCreateSerializerTests : SerializerTestBase
{
    public AutoCreateSerializerTests(SerializerFixture fx) : base(fx) { }

    [Fact]
    public void An_auto_create_is_BUT3_its_bytes_are_pinned_and_it_round_trips()
    {
        var m = (UpdateTopicConfig)Samples.Get("UpdateTopicConfig-autoCreate");
        Assert.Equal("BUT3", Ser.Manifest(m));
        // "broker-a", then "TopicTest" read 4 write 4 perm 6, no attributes, then the flag.
        var expected = new byte[] { 0x09 }.Concat(Encoding.ASCII.GetBytes("broker-a")).Concat(new byte[] { 0x0A })
            .Concat(Encoding.ASCII.GetBytes("TopicTest")).Concat(new byte[] { 0x08, 0x08, 0x0C, 0x00, 0x01 }).ToArray();
        Assert.Equal(expected, Ser.ToBinary(m));
        var back = Assert.IsType<UpdateTopicConfig>(Ser.FromBinary(expected, "BUT3"));
        Assert.True(back.AutoCreate);
        Assert.Equal(m, back);
    }

    [Fact]
    public void An_explicit_update_keeps_its_version_1_manifest_and_reads_back_as_not_auto_created()
    {
        var m = new UpdateTopicConfig("broker-a", TopicConfig.Create("TopicTest", 4));
        Assert.Equal("BUT", Ser.Manifest(m));
        Assert.False(((UpdateTopicConfig)Ser.FromBinary(Ser.ToBinary(m), "BUT")).AutoCreate);
    }
}
