using AkkaMq.Broker.Pop;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Consumer;

namespace AkkaMq.Broker.Tests.Pop;

/// <summary>Receipt handles round-trip, refuse garbage with a reason, and name whose they are; the receive checks name the problem.</summary>
public sealed class ReceiptHandleTests
{
    private static readonly ReceiptHandle Sample = new("broker-a", "%RETRY%g-1", 3, long.MaxValue, "g|1_x", 42);

    [Fact]
    public void A_handle_round_trips_and_is_opaque_text()
    {
        var text = Sample.Encode();
        Assert.True(ReceiptHandle.TryParse(text, out var back, out var error), error);
        Assert.Equal(Sample, back);
        Assert.DoesNotContain(":", text);
        Assert.Null(ReceiptHandle.Check(text, "broker-a", "%RETRY%g-1", "g|1_x", out _));
    }

    [Theory]
    [InlineData(null, "empty")]
    [InlineData("", "empty")]
    [InlineData("2.abc.00000000", "unknown format")]
    [InlineData("1.", "no checksum")]
    [InlineData("1.%%%.12345678", "base64url")]
    [InlineData("1.YWJj.00000000", "checksum")]
    public void Garbage_is_refused_with_the_reason(string? text, string reason)
    {
        Assert.False(ReceiptHandle.TryParse(text, out _, out var error));
        Assert.Contains(reason, error);
    }

    [Fact]
    public void An_altered_or_cut_handle_fails_its_checksum_and_a_foreign_one_is_named()
    {
        var text = Sample.Encode();
        Assert.Contains("checksum", Refusal(text[..^1]));
        Assert.Contains("checksum", Refusal(text[..5] + (text[5] == 'A' ? 'B' : 'A') + text[6..]));
        Assert.Contains("broker 'broker-a', not 'broker-b'", ReceiptHandle.Check(text, "broker-b", "%RETRY%g-1", "g|1_x", out _));
        Assert.Contains("topic '%RETRY%g-1', not 'T'", ReceiptHandle.Check(text, "broker-a", "T", "g|1_x", out _));
        Assert.Contains("group 'g|1_x', not 'g'", ReceiptHandle.Check(text, "broker-a", "%RETRY%g-1", "g", out _));

        static string? Refusal(string t) => ReceiptHandle.TryParse(t, out _, out var e) ? null : e;
    }

    [Fact]
    public void Queue_order_rotates_and_an_attempt_id_fixes_the_start()
    {
        Assert.Equal(new[] { 2, 3, 0, 1 }, PopRequestCheck.QueueOrder(4, null, 6));
        Assert.Equal(PopRequestCheck.QueueOrder(4, "attempt-7", 0), PopRequestCheck.QueueOrder(4, "attempt-7", 99));
        Assert.Equal(new[] { 0 }, PopRequestCheck.QueueOrder(1, null, int.MinValue));
    }

    [Fact]
    public void Receive_checks_name_the_problem()
    {
        var ok = new PopMessage("b", "g", "T", 0, 32, "*", 10_000, 0, false, null, 17);
        Assert.Null(PopRequestCheck.Check(ok));
        Assert.Null(PopRequestCheck.Check(ok with { QueueId = PopLimits.AnyQueue, InvisibleMillis = PopLimits.MaxInvisibleMillis, PollMillis = 20_000 }));
        Assert.Equal(ResponseCode.IllegalInvisibleTime, PopRequestCheck.Check(ok with { InvisibleMillis = 0 })!.Value.Code);
        Assert.Equal(ResponseCode.IllegalPollingTime, PopRequestCheck.Check(ok with { PollMillis = PopLimits.MaxPollMillis + 1 })!.Value.Code);
        Assert.Contains("attempt id of 129", PopRequestCheck.Check(ok with { AttemptId = new string('a', 129) })!.Value.Error);
    }
}
