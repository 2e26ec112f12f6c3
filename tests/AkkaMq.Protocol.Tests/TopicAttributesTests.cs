namespace AkkaMq.Protocol.Tests;

/// <summary>Topic attributes: parsing, validation and RocketMQ's alteration map, without an actor system.</summary>
public sealed class TopicAttributesTests
{
    private static Dictionary<string, string> Map(params (string Key, string Value)[] pairs) => pairs.ToDictionary(p => p.Key, p => p.Value);

    [Theory]
    [InlineData("10m", 10 * 60_000L)]
    [InlineData("72h", 72 * 3_600_000L)]
    [InlineData("7d", 7 * 86_400_000L)]
    [InlineData("30s", 30_000L)]
    [InlineData("500ms", 500L)]
    [InlineData(" 2 H ", 2 * 3_600_000L)]
    public void Durations_take_a_whole_number_and_a_unit(string text, long expectedMs)
    {
        Assert.True(TopicAttributes.TryParseDuration(text, out var d, out var error), error);
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), d);
    }

    [Theory]
    [InlineData("10", "not a duration")]
    [InlineData("1.5h", "not a duration")]
    [InlineData("10 minutes", "not a duration")]
    [InlineData("", "not a duration")]
    [InlineData("-5m", "not a duration")]
    [InlineData("0m", "longer than zero")]
    [InlineData("99999999999999999d", "too long")]
    public void Bad_durations_are_refused_with_the_reason(string text, string reason)
    {
        Assert.False(TopicAttributes.TryParseDuration(text, out _, out var error));
        Assert.Contains(reason, error);
        Assert.Contains($"'{text}'", error);
    }

    [Theory]
    [InlineData("1GiB", 1L << 30)]
    [InlineData("1g", 1L << 30)]
    [InlineData("500MB", 500_000_000L)]
    [InlineData("500mb", 500_000_000L)]
    [InlineData("64KiB", 64L << 10)]
    [InlineData("2TiB", 2L << 40)]
    [InlineData("3TB", 3_000_000_000_000L)]
    [InlineData("4096", 4096L)]
    [InlineData("100B", 100L)]
    public void Sizes_follow_HOCON_units(string text, long expected)
    {
        Assert.True(TopicAttributes.TryParseSize(text, out var bytes, out var error), error);
        Assert.Equal(expected, bytes);
    }

    [Theory]
    [InlineData("1.5GiB", "not a size")]
    [InlineData("lots", "not a size")]
    [InlineData("1PB", "not a size")]
    [InlineData("0B", "more than zero")]
    [InlineData("9999999999TiB", "too large")]
    public void Bad_sizes_are_refused_with_the_reason(string text, string reason)
    {
        Assert.False(TopicAttributes.TryParseSize(text, out _, out var error));
        Assert.Contains(reason, error);
    }

    [Fact]
    public void Message_types_are_normalized_and_anything_else_is_refused()
    {
        Assert.Null(TopicAttributes.CheckValue(TopicAttributes.MessageType, "fifo", out var normalized));
        Assert.Equal("FIFO", normalized);
        foreach (var bad in new[] { "1", "NORMAL,FIFO", "MIXED", "" })
        {
            var error = TopicAttributes.CheckValue(TopicAttributes.MessageType, bad, out _);
            Assert.NotNull(error);
            Assert.Contains("message.type", error);
            Assert.Contains("NORMAL, FIFO, DELAY or TRANSACTION", error);
        }
    }

    [Fact]
    public void An_unknown_attribute_is_refused_naming_it_and_the_known_ones()
    {
        var error = TopicAttributes.CheckValue("retention.ms", "1000", out _);
        Assert.Equal("unknown topic attribute 'retention.ms'; known are message.type, retention.bytes, retention.time", error);
    }

    [Fact]
    public void Changes_add_change_and_remove_and_keep_the_rest()
    {
        var current = Map(("retention.time", "72h"), ("message.type", "FIFO"));
        Assert.True(TopicAttributes.TryAlter(current, Map(("+retention.time", "10m"), ("+retention.bytes", "1GiB"), ("-message.type", "")),
            out var result, out var error), error);
        Assert.Equal(new[] { "retention.bytes", "retention.time" }, result.Keys);
        Assert.Equal("10m", result["retention.time"]);
        Assert.Equal("1GiB", result["retention.bytes"]);
    }

    [Fact]
    public void No_changes_keep_the_attributes_and_removing_an_absent_one_is_no_error()
    {
        var current = Map(("retention.time", "72h"));
        Assert.True(TopicAttributes.TryAlter(current, TopicAttributes.Empty, out var same, out _));
        Assert.Equal("72h", same["retention.time"]);
        Assert.True(TopicAttributes.TryAlter(current, Map(("-retention.bytes", "")), out var after, out _));
        Assert.Equal("retention.time=72h", TopicAttributes.ToText(after));
    }

    [Theory]
    [InlineData("retention.time", "10m", "must start with '+' (add or change) or '-' (remove)")]
    [InlineData("+retention.ms", "10", "unknown topic attribute 'retention.ms'")]
    [InlineData("-retention.ms", "", "unknown topic attribute 'retention.ms'")]
    [InlineData("+retention.time", "ten minutes", "attribute 'retention.time': 'ten minutes' is not a duration")]
    [InlineData("+retention.bytes", "-1", "attribute 'retention.bytes': '-1' is not a size")]
    [InlineData("-retention.time", "10m", "removing attribute 'retention.time' takes no value")]
    [InlineData("+", "x", "names no attribute")]
    public void A_bad_change_is_refused_and_nothing_is_applied(string key, string value, string expected)
    {
        var current = Map(("retention.time", "72h"));
        var changes = Map(("+message.type", "FIFO"), (key, value));
        Assert.False(TopicAttributes.TryAlter(current, changes, out var result, out var error));
        Assert.Contains(expected, error);
        Assert.Equal("retention.time=72h", TopicAttributes.ToText(result));
        Assert.Equal(error, TopicAttributes.CheckChanges(changes));
    }

    [Fact]
    public void Setting_and_removing_one_attribute_at_once_is_refused()
    {
        Assert.Equal("attribute 'retention.time' is both set and removed",
            TopicAttributes.CheckChanges(Map(("+retention.time", "1h"), ("-retention.time", ""))));
    }

    [Fact]
    public void The_command_line_form_parses_into_the_alteration_map()
    {
        var changes = TopicAttributes.ParseChanges(new[] { "+retention.time=10m", " +retention.bytes = 1GiB ", "-message.type" }, out var error);
        Assert.Null(error);
        Assert.Equal("+retention.bytes=1GiB,+retention.time=10m,-message.type=", TopicAttributes.ToText(changes!));
        Assert.Empty(TopicAttributes.ParseChanges(Array.Empty<string>(), out _)!);
    }

    [Theory]
    [InlineData("+retention.time", "has no value; write +retention.time=VALUE")]
    [InlineData("-retention.time=10m", "takes no value; write -retention.time")]
    [InlineData("retention.time=10m", "must be +name=value (add or change) or -name (remove)")]
    [InlineData("+retention.size=1GiB", "unknown topic attribute 'retention.size'")]
    [InlineData("+retention.bytes=1 GB", "")]
    [InlineData("+retention.bytes=lots", "attribute 'retention.bytes': 'lots' is not a size")]
    public void The_command_line_form_names_the_bad_argument(string arg, string expected)
    {
        var changes = TopicAttributes.ParseChanges(new[] { arg }, out var error);
        if (expected.Length == 0)
        {
            Assert.Null(error);
            Assert.NotNull(changes);
            return;
        }
        Assert.Null(changes);
        Assert.Contains(expected, error);
    }

    [Fact]
    public void The_same_attribute_twice_on_the_command_line_is_refused()
    {
        Assert.Null(TopicAttributes.ParseChanges(new[] { "+retention.time=1h", "+retention.time=2h" }, out var error));
        Assert.Equal("attribute 'retention.time' is given twice", error);
    }

    [Fact]
    public void A_topic_config_exposes_its_parsed_attributes()
    {
        var plain = TopicConfig.Create("T");
        Assert.Empty(plain.Attributes);
        Assert.Null(plain.RetentionTime);
        Assert.Null(plain.RetentionBytes);
        Assert.Equal(TopicMessageType.Normal, plain.MessageType);

        var c = plain with { Attributes = Map(("retention.time", "10m"), ("retention.bytes", "1GiB"), ("message.type", "TRANSACTION")) };
        Assert.Equal(TimeSpan.FromMinutes(10), c.RetentionTime);
        Assert.Equal(1L << 30, c.RetentionBytes);
        Assert.Equal(TopicMessageType.Transaction, c.MessageType);
        Assert.Equal("message.type=TRANSACTION,retention.bytes=1GiB,retention.time=10m", TopicAttributes.ToText(c.Attributes));
    }

    [Fact]
    public void Topic_configs_are_equal_by_their_attributes_content()
    {
        var a = TopicConfig.Create("T") with { Attributes = Map(("retention.time", "10m"), ("retention.bytes", "1GiB")) };
        var b = TopicConfig.Create("T") with { Attributes = Map(("retention.bytes", "1GiB"), ("retention.time", "10m")) };
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, b with { Attributes = Map(("retention.time", "10m")) });
        Assert.NotEqual(a, TopicConfig.Create("T"));
        Assert.Equal(new TopicConfig("T", 4, 4, Perm.ReadWrite), TopicConfig.Create("T"));
    }
}
