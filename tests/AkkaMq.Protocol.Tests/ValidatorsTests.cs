namespace AkkaMq.Protocol.Tests;

public sealed class ValidatorsTests
{
    public static IEnumerable<object[]> IllegalChars() =>
        new[] { ' ', '.', '/', ':', '#', '*', '@', '+', '=', ',', ';', '\\', '\t', '\n', '\0', '"', '\'', '?', '&', '!', '~', '$', '(',
                'ü', '中', 'é', 'Ａ' /* fullwidth A */, '٣' /* Arabic-Indic digit 3 */ }
            .Select(c => new object[] { c });

    // ---------- topic ----------

    [Theory]
    [InlineData("TopicTest")]
    [InlineData("a")]
    [InlineData("Z")]
    [InlineData("0")]
    [InlineData("0123456789")]
    [InlineData("%RETRY%group_1")]
    [InlineData("A-b_c%d|e")]
    [InlineData("|")]
    [InlineData("-_%|")]
    [InlineData("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")]
    public void Topic_accepts_letters_digits_and_the_four_symbols(string topic) =>
        Assert.Null(Validators.CheckTopic(topic));

    [Theory]
    [MemberData(nameof(IllegalChars))]
    public void Topic_refuses_any_other_character_and_names_it(char c)
    {
        var topic = $"ab{c}cd";
        var error = Validators.CheckTopic(topic);
        Assert.NotNull(error);
        Assert.Contains($"'{c}'", error);
        Assert.Contains("illegal character", error);
        Assert.Contains(topic, error);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Topic_refuses_empty(string? topic)
    {
        var error = Validators.CheckTopic(topic);
        Assert.NotNull(error);
        Assert.Contains("empty", error);
    }

    [Fact]
    public void Topic_refuses_whitespace_only()
    {
        var error = Validators.CheckTopic("   ");
        Assert.NotNull(error);
        Assert.Contains("' '", error);
    }

    [Fact]
    public void Topic_length_limit_is_127()
    {
        Assert.Equal(127, Validators.TopicMaxLength);
        Assert.Null(Validators.CheckTopic(new string('a', 127)));
        var error = Validators.CheckTopic(new string('a', 128));
        Assert.NotNull(error);
        Assert.Contains("128", error);
        Assert.Contains("127", error);
        Assert.NotNull(Validators.CheckTopic(new string('a', 10_000)));
    }

    [Fact]
    public void Topic_length_is_checked_before_characters()
    {
        var error = Validators.CheckTopic(new string('.', 200));
        Assert.NotNull(error);
        Assert.Contains("200", error);
    }

    // ---------- group ----------

    [Theory]
    [InlineData("group-1")]
    [InlineData("CID_ORDER|prod")]
    [InlineData("%DLQ%g")]
    [InlineData("G")]
    public void Group_accepts_the_name_alphabet(string group) => Assert.Null(Validators.CheckGroup(group));

    [Theory]
    [MemberData(nameof(IllegalChars))]
    public void Group_refuses_any_other_character_and_names_it(char c)
    {
        var group = $"g{c}1";
        var error = Validators.CheckGroup(group);
        Assert.NotNull(error);
        Assert.Contains($"'{c}'", error);
        Assert.Contains("consumer group", error);
        Assert.Contains(group, error);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Group_refuses_empty(string? group)
    {
        var error = Validators.CheckGroup(group);
        Assert.NotNull(error);
        Assert.Contains("empty", error);
    }

    [Fact]
    public void Group_length_limit_is_255()
    {
        Assert.Equal(255, Validators.GroupMaxLength);
        Assert.Null(Validators.CheckGroup(new string('g', 255)));
        var error = Validators.CheckGroup(new string('g', 256));
        Assert.NotNull(error);
        Assert.Contains("256", error);
        Assert.Contains("255", error);
    }

    // ---------- broker name ----------

    [Theory]
    [InlineData("broker-a")]
    [InlineData("broker_1")]
    [InlineData("b")]
    [InlineData("%b|c")]
    public void BrokerName_accepts_the_name_alphabet(string name) => Assert.Null(Validators.CheckBrokerName(name));

    [Theory]
    [MemberData(nameof(IllegalChars))]
    public void BrokerName_refuses_any_other_character_and_names_it(char c)
    {
        var name = $"broker{c}a";
        var error = Validators.CheckBrokerName(name);
        Assert.NotNull(error);
        Assert.Contains($"'{c}'", error);
        Assert.Contains("broker name", error);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void BrokerName_refuses_empty(string? name)
    {
        var error = Validators.CheckBrokerName(name);
        Assert.NotNull(error);
        Assert.Contains("empty", error);
    }

    [Fact]
    public void BrokerName_length_limit_is_127()
    {
        Assert.Null(Validators.CheckBrokerName(new string('b', 127)));
        var error = Validators.CheckBrokerName(new string('b', 128));
        Assert.NotNull(error);
        Assert.Contains("127", error);
    }

    [Fact]
    public void Names_never_contain_the_entity_id_separator()
    {
        // EntityIds rely on ':' being refused in broker, topic and group names.
        Assert.NotNull(Validators.CheckTopic("a:b"));
        Assert.NotNull(Validators.CheckGroup("a:b"));
        Assert.NotNull(Validators.CheckBrokerName("a:b"));
    }

    // ---------- message ----------

    private static readonly MessageLimits Small = new(MaxMessageSize: 16, MaxPropertyCount: 3, MaxPropertiesSize: 40);

    private static string? Check(byte[]? body, string? tags = "TagA", string? keys = "k1",
        IReadOnlyDictionary<string, string>? props = null, MessageLimits? limits = null, string topic = "TopicTest") =>
        Validators.CheckMessage(topic, tags, keys, props, body, limits ?? Small);

    [Fact]
    public void Default_limits_are_RocketMQs()
    {
        Assert.Equal(4 * 1024 * 1024, MessageLimits.Default.MaxMessageSize);
        Assert.Equal(128, MessageLimits.Default.MaxPropertyCount);
        Assert.Equal(32 * 1024, MessageLimits.Default.MaxPropertiesSize);
    }

    [Fact]
    public void A_plain_message_passes()
    {
        Assert.Null(Check(new byte[] { 1 }));
        Assert.Null(Check(new byte[] { 1 }, tags: null, keys: null, props: null));
        Assert.Null(Check(new byte[] { 1 }, props: new Dictionary<string, string>()));
        Assert.Null(Validators.CheckMessage(Message.FromText("TopicTest", "hello", "TagA", "k1 k2"), MessageLimits.Default));
    }

    [Fact]
    public void A_bad_topic_is_reported_first()
    {
        var error = Check(Array.Empty<byte>(), topic: "bad topic");
        Assert.NotNull(error);
        Assert.Contains("topic", error);
        Assert.Contains("' '", error);
        Assert.Contains("topic name is empty", Check(new byte[] { 1 }, topic: ""));
    }

    [Fact]
    public void Empty_or_missing_body_is_refused()
    {
        Assert.Contains("body is empty", Check(Array.Empty<byte>()));
        Assert.Contains("body is empty", Check(null));
    }

    [Fact]
    public void Body_of_exactly_the_maximum_passes_and_one_more_byte_is_refused()
    {
        Assert.Null(Check(new byte[16]));
        var error = Check(new byte[17]);
        Assert.NotNull(error);
        Assert.Contains("17", error);
        Assert.Contains("16", error);
        Assert.Contains("maximum message size", error);
    }

    [Fact]
    public void Body_limit_at_the_default_4MiB()
    {
        const int max = 4 * 1024 * 1024;
        Assert.Null(Check(new byte[max], limits: MessageLimits.Default));
        var error = Check(new byte[max + 1], limits: MessageLimits.Default);
        Assert.NotNull(error);
        Assert.Contains("4194305", error);
        Assert.Contains("4194304", error);
    }

    [Fact]
    public void Too_many_properties_are_refused_with_the_counts()
    {
        var three = new Dictionary<string, string> { ["a"] = "1", ["b"] = "2", ["c"] = "3" };
        Assert.Null(Check(new byte[] { 1 }, props: three));
        var four = new Dictionary<string, string>(three) { ["d"] = "4" };
        var error = Check(new byte[] { 1 }, props: four);
        Assert.NotNull(error);
        Assert.Contains("4 properties", error);
        Assert.Contains("3", error);
    }

    [Fact]
    public void Properties_size_counts_tags_keys_names_and_values()
    {
        // tags 4 + keys 2 + "name" 4 + value => 40 at most
        var atLimit = new Dictionary<string, string> { ["name"] = new string('v', 30) };
        Assert.Null(Check(new byte[] { 1 }, tags: "TagA", keys: "k1", props: atLimit));
        var over = new Dictionary<string, string> { ["name"] = new string('v', 31) };
        var error = Check(new byte[] { 1 }, tags: "TagA", keys: "k1", props: over);
        Assert.NotNull(error);
        Assert.Contains("41", error);
        Assert.Contains("40", error);

        // tags and keys alone can exceed it too
        var error2 = Check(new byte[] { 1 }, tags: new string('t', 20), keys: new string('k', 21), props: null);
        Assert.NotNull(error2);
        Assert.Contains("41", error2);
    }

    [Fact]
    public void Properties_too_large_at_the_default_limit()
    {
        var props = new Dictionary<string, string> { ["big"] = new string('x', 32 * 1024) };
        var error = Check(new byte[] { 1 }, tags: null, keys: null, props: props, limits: MessageLimits.Default);
        Assert.NotNull(error);
        Assert.Contains((32 * 1024 + 3).ToString(), error);
        Assert.Contains((32 * 1024).ToString(), error);
    }

    [Theory]
    [InlineData("A||B")]
    [InlineData("||")]
    [InlineData("A ||")]
    [InlineData("|||")]
    public void Tags_containing_the_expression_separator_are_refused(string tags)
    {
        var error = Check(new byte[] { 1 }, tags: tags);
        Assert.NotNull(error);
        Assert.Contains("'||'", error);
    }

    [Theory]
    [InlineData("A|B")]
    [InlineData("|")]
    [InlineData("A | B")]
    [InlineData("")]
    [InlineData("标签-ü")]
    public void Other_tags_pass(string tags) => Assert.Null(Check(new byte[] { 1 }, tags: tags, keys: null));

    [Fact]
    public void Tags_length_limit_is_255()
    {
        var limits = MessageLimits.Default;
        Assert.Null(Check(new byte[] { 1 }, tags: new string('t', 255), limits: limits));
        var error = Check(new byte[] { 1 }, tags: new string('t', 256), limits: limits);
        Assert.NotNull(error);
        Assert.Contains("256", error);
        Assert.Contains("255", error);
    }

    [Fact]
    public void A_null_property_value_is_refused_naming_the_property()
    {
        var props = new Dictionary<string, string> { ["ok"] = "1", ["ORDER_ID"] = null! };
        var error = Check(new byte[] { 1 }, props: props);
        Assert.NotNull(error);
        Assert.Contains("'ORDER_ID'", error);
        Assert.Contains("no value", error);
    }

    [Fact]
    public void An_empty_property_name_is_refused()
    {
        var error = Check(new byte[] { 1 }, props: new Dictionary<string, string> { [""] = "v" });
        Assert.NotNull(error);
        Assert.Contains("property name is empty", error);
    }

    [Fact]
    public void An_empty_property_value_passes()
    {
        Assert.Null(Check(new byte[] { 1 }, props: new Dictionary<string, string> { ["k"] = "" }));
    }

    [Fact]
    public void The_Message_overload_checks_the_same_fields()
    {
        Assert.Null(Validators.CheckMessage(new Message("TopicTest", new byte[] { 1 }, "TagA", "k"), Small));
        Assert.Contains("body is empty", Validators.CheckMessage(new Message("TopicTest", Array.Empty<byte>()), Small));
        Assert.Contains("17", Validators.CheckMessage(new Message("TopicTest", new byte[17]), Small));
        Assert.Contains("'||'", Validators.CheckMessage(new Message("TopicTest", new byte[] { 1 }, "A||B"), Small));
        Assert.Contains("'.'", Validators.CheckMessage(new Message("Topic.Test", new byte[] { 1 }), Small));
    }

    // ---------- keys ----------

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void SplitKeys_of_nothing_is_empty(string? keys) => Assert.Empty(Validators.SplitKeys(keys));

    [Fact]
    public void SplitKeys_splits_on_spaces_and_drops_empties()
    {
        Assert.Equal(new[] { "k1", "k2", "k3" }, Validators.SplitKeys(" k1 k2   k3 "));
        Assert.Equal(new[] { "only" }, Validators.SplitKeys("only"));
    }
}
