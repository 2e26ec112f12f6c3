using System.Net;
using Akka.Configuration;
using AkkaMq.Protocol.Remoting;

namespace AkkaMq.Protocol.Tests;

/// <summary>The data channel's limit decisions as plain classes: admission, output budget, in-flight window, deadlines.</summary>
public sealed class DataChannelGuardsTests
{
    private static readonly IPAddress A = IPAddress.Parse("10.0.0.1");
    private static readonly IPAddress B = IPAddress.Parse("10.0.0.2");

    [Fact]
    public void Admission_refuses_past_the_per_ip_cap_and_then_past_the_node_cap()
    {
        var admission = new ConnectionAdmission(maxConnections: 3, maxConnectionsPerIp: 2);
        Assert.Null(admission.TryAdmit(A));
        Assert.Null(admission.TryAdmit(A));
        Assert.Contains("10.0.0.1 holds its limit of 2 data-channel connections (akkamq.broker.data-channel.max-connections-per-ip)", admission.TryAdmit(A));
        Assert.Null(admission.TryAdmit(B));
        Assert.Contains("the node holds its limit of 3 data-channel connections (akkamq.broker.data-channel.max-connections)", admission.TryAdmit(B));
        Assert.Equal(3, admission.Open);

        admission.Release(A);
        Assert.Equal(1, admission.OpenFrom(A));
        Assert.Null(admission.TryAdmit(B));
        Assert.Equal(2, admission.OpenFrom(B));
    }

    [Fact]
    public void Admission_counts_an_ipv4_mapped_address_as_its_ipv4_address_and_zero_means_no_limit()
    {
        var admission = new ConnectionAdmission(0, 1);
        Assert.Null(admission.TryAdmit(A.MapToIPv6()));
        Assert.NotNull(admission.TryAdmit(A));
        admission.Release(A);
        Assert.Equal(0, admission.Open);
        admission.Release(A); // a release of nothing counts nothing
        Assert.Equal(0, admission.Open);

        var unlimited = new ConnectionAdmission(0, 0);
        for (var i = 0; i < 10_000; i++) Assert.Null(unlimited.TryAdmit(A));
    }

    [Fact]
    public void Output_budget_refuses_the_frame_that_takes_it_over_the_limit_and_frees_what_the_socket_took()
    {
        var budget = new OutputBudget(1000);
        Assert.True(budget.TryQueue(600));
        Assert.True(budget.TryQueue(400));
        budget.Written(300);
        Assert.Equal(700, budget.Queued);
        Assert.True(budget.TryQueue(300));
        Assert.False(budget.TryQueue(1));
        Assert.Equal(1000, budget.Queued); // a refused frame is not held
        Assert.True(new OutputBudget(0).TryQueue(int.MaxValue));
    }

    [Fact]
    public async Task In_flight_window_makes_the_reader_wait_when_full_and_wakes_it_on_an_answer()
    {
        var window = new InflightWindow(3);
        window.Add(2, now: 10);
        Assert.True(window.WaitForRoom().IsCompleted);
        window.Add(1, now: 20);
        Assert.True(window.Full);
        var wait = window.WaitForRoom();
        Assert.False(wait.IsCompleted);
        Assert.Equal(10, window.LastAnswerAt); // the first request's time until an answer comes

        window.Remove(1, now: 30);
        await wait.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal((2, 30L), (window.Count, window.LastAnswerAt));
        window.Remove(10, now: 40); // more answers than requests (a stray reply) never go below zero
        Assert.Equal(0, window.Count);
        Assert.True(new InflightWindow(0).WaitForRoom().IsCompleted);
    }

    private static readonly DataChannelLimits Limits = DataChannelLimits.Default with
    {
        HandshakeTimeout = TimeSpan.FromSeconds(1), FrameTimeout = TimeSpan.FromSeconds(2), IdleTimeout = TimeSpan.FromSeconds(5),
    };

    [Theory]
    [InlineData(false, 0, 0, false, 0, 1_001, "sent no preamble (with auth on: no proving session handshake) within the handshake timeout of 1 s")]
    [InlineData(false, 0, 0, false, 0, 999, null)]
    [InlineData(true, 100, 100, false, 0, 2_101, "left a frame incomplete for longer than the frame timeout of 2 s")]
    [InlineData(true, 100, 100, true, 1, 2_101, null)] // waiting on the broker is not the client's fault
    [InlineData(true, 100, 0, false, 0, 5_101, "idle for longer than the idle timeout of 5 s")]
    [InlineData(true, 100, 0, false, 1, 5_101, null)] // a held pull is not idle
    [InlineData(true, 100, 0, true, 5, 61_000, "has 5 requests without an answer for 60 s")]
    public void Deadlines_name_the_timeout_a_connection_passed(bool handshaken, long lastRead, long frameStarted, bool paused, int inflight, long now,
        string? expected)
    {
        var activity = new ConnectionActivity(0, handshaken, lastRead, frameStarted, paused);
        var reason = ConnectionDeadlines.Check(activity, inflight, lastAnswerAt: 0, now, Limits, TimeSpan.FromSeconds(60));
        if (expected == null) Assert.Null(reason);
        else Assert.StartsWith(expected, reason);
    }

    [Fact]
    public void Deadlines_of_zero_are_off()
    {
        var off = Limits with { HandshakeTimeout = TimeSpan.Zero, FrameTimeout = TimeSpan.Zero, IdleTimeout = TimeSpan.Zero };
        Assert.Null(ConnectionDeadlines.Check(new ConnectionActivity(0, false, 0, 0, false), 0, 0, long.MaxValue / 2, off, TimeSpan.Zero));
        Assert.Null(ConnectionDeadlines.Check(new ConnectionActivity(0, true, 0, 1, false), 0, 0, long.MaxValue / 2, off, TimeSpan.Zero));
    }

    [Fact]
    public void Limits_are_read_from_config_and_a_negative_value_is_refused_by_name()
    {
        var c = ConfigurationFactory.ParseString("""
            max-connections = 5, max-connections-per-ip = 2, handshake-timeout = 3s, frame-timeout = 4s, idle-timeout = 0s
            max-inflight-requests = 7, max-output-bytes = 2 MiB
            """);
        var limits = DataChannelLimits.Create(c, "akkamq.broker.data-channel.");
        Assert.Equal(new DataChannelLimits(5, 2, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(4), TimeSpan.Zero, 7, 2 << 20), limits);
        Assert.Equal(TimeSpan.FromSeconds(0.75), limits.SweepInterval);

        var e = Assert.Throws<ConfigurationException>(() => DataChannelLimits.Create(
            ConfigurationFactory.ParseString("max-connections-per-ip = -1").WithFallback(c), "akkamq.broker.data-channel."));
        Assert.Contains("akkamq.broker.data-channel.max-connections-per-ip must not be negative", e.Message);
    }
}
