namespace AkkaMq.Protocol.Tests;

public sealed class SubscriptionExpressionTests
{
    [Theory]
    [InlineData("*")]
    [InlineData("")]
    [InlineData(null)]
    [InlineData(" ")]
    [InlineData("\t \n")]
    [InlineData(" * ")]
    public void Star_empty_null_and_whitespace_match_everything(string? text)
    {
        Assert.True(SubscriptionExpression.TryParse(text, out var e, out var error));
        Assert.Null(error);
        Assert.Same(SubscriptionExpression.Everything, e);
        Assert.True(e.MatchesAll);
        Assert.Empty(e.Tags);
        Assert.Equal("*", e.Text);
        Assert.True(e.Matches(null));
        Assert.True(e.Matches(""));
        Assert.True(e.Matches("TagA"));
        Assert.True(e.Matches("*"));
        Assert.True(e.Matches("anything at all ü"));
        Assert.Same(SubscriptionExpression.Everything, SubscriptionExpression.Parse(text));
    }

    [Fact]
    public void Two_tags_match_those_two_only()
    {
        Assert.True(SubscriptionExpression.TryParse("TagA || TagB", out var e, out var error));
        Assert.Null(error);
        Assert.False(e.MatchesAll);
        Assert.True(e.Matches("TagA"));
        Assert.True(e.Matches("TagB"));
        Assert.False(e.Matches(null));
        Assert.False(e.Matches(""));
        Assert.False(e.Matches("TagC"));
        Assert.False(e.Matches("taga")); // case-sensitive
        Assert.False(e.Matches(" TagA")); // message tags are not trimmed
        Assert.False(e.Matches("TagA || TagB"));
        Assert.False(e.Matches("*"));
        Assert.Equal(new[] { "TagA", "TagB" }, e.Tags.OrderBy(t => t, StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("TagA||TagB")]
    [InlineData("  TagA  ||TagB  ")]
    [InlineData("\tTagA\t||\tTagB\t")]
    [InlineData("TagA || TagB || TagA")]
    public void Tags_are_trimmed_and_deduplicated(string text)
    {
        var e = SubscriptionExpression.Parse(text);
        Assert.Equal(new[] { "TagA", "TagB" }, e.Tags.OrderBy(t => t, StringComparer.Ordinal));
        Assert.True(e.Matches("TagA"));
        Assert.True(e.Matches("TagB"));
        Assert.False(e.Matches("TagC"));
    }

    [Fact]
    public void A_single_tag_matches_only_itself()
    {
        var e = SubscriptionExpression.Parse(" TagA ");
        Assert.Equal(new[] { "TagA" }, e.Tags);
        Assert.True(e.Matches("TagA"));
        Assert.False(e.Matches("TagAB"));
        Assert.False(e.Matches(null));
    }

    [Fact]
    public void Non_ASCII_tags_work()
    {
        var e = SubscriptionExpression.Parse("标签 || ü");
        Assert.True(e.Matches("标签"));
        Assert.True(e.Matches("ü"));
        Assert.False(e.Matches("u"));
    }

    [Fact]
    public void A_single_pipe_is_part_of_the_tag()
    {
        var e = SubscriptionExpression.Parse("TagA | TagB");
        Assert.Single(e.Tags);
        Assert.True(e.Matches("TagA | TagB"));
        Assert.False(e.Matches("TagA"));
    }

    [Fact]
    public void Text_keeps_what_was_written()
    {
        var e = SubscriptionExpression.Parse(" TagA ||TagB");
        Assert.Equal(" TagA ||TagB", e.Text);
        Assert.Equal(" TagA ||TagB", e.ToString());
    }

    [Theory]
    [InlineData("TagA ||", "empty tag")]
    [InlineData("|| TagA", "empty tag")]
    [InlineData("||", "empty tag")]
    [InlineData("TagA || || TagB", "empty tag")]
    [InlineData("TagA |||| TagB", "empty tag")]
    [InlineData("TagA ||   ", "empty tag")]
    [InlineData("TagA || *", "'*'")]
    [InlineData("* || TagA", "'*'")]
    [InlineData("*||*", "'*'")]
    public void Invalid_expressions_fail_with_an_error(string text, string errorPart)
    {
        Assert.False(SubscriptionExpression.TryParse(text, out _, out var error));
        Assert.NotNull(error);
        Assert.Contains(errorPart, error);
        Assert.Contains(text, error);

        var ex = Assert.Throws<AkkaMqException>(() => SubscriptionExpression.Parse(text));
        Assert.Equal(ResponseCode.SubscriptionParseFailed, ex.Code);
        Assert.StartsWith("SUBSCRIPTION_PARSE_FAILED: ", ex.Message);
        Assert.Contains(error, ex.Message);
    }
}
