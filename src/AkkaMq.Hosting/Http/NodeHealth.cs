using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster;
using Akka.Persistence;
using AkkaMq.Broker.Storage;

namespace AkkaMq.Hosting.Http;

public sealed record JournalHealth(bool Ok, double? LatencyMillis, string? Error);

/// <summary>The data directory's disk: its state against the watermarks and whether sends are refused.</summary>
public sealed record DiskHealth(string State, string Path, double UsedRatio, long UsedBytes, long TotalBytes, bool WritesRefused, string Detail);

public sealed record NodeHealthReport(string Status, string Address, string MemberStatus, IReadOnlyList<string> Roles, JournalHealth? Journal,
    DiskHealth? Disk = null);

/// <summary>
/// The node's health: is it an Up member of the cluster, which roles it serves, and (on a broker)
/// does its journal answer a read and does it take sends (its data directory's disk is not over
/// diskSpaceWarningLevelRatio). UP only when all of these hold.
/// </summary>
public static class NodeHealth
{
    private const string ProbePersistenceId = "akkamq-health-probe";

    public static async Task<NodeHealthReport> CheckAsync(ActorSystem system, NodeSettings settings, TimeSpan journalTimeout)
    {
        var cluster = Cluster.Get(system);
        var self = cluster.SelfMember;
        var up = self.Status == MemberStatus.Up && !cluster.State.Unreachable.Contains(self);
        JournalHealth? journal = null;
        if (settings.IsBroker)
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                // A replay of an id that has no events: the journal must reach its store to answer.
                var plugin = Persistence.Instance.Apply(system).JournalFor(null);
                var reply = await plugin.Ask<object>((Func<IActorRef, object>)(replyTo => new ReplayMessages(1, 1, 1, ProbePersistenceId, replyTo)), journalTimeout, CancellationToken.None);
                journal = reply switch
                {
                    RecoverySuccess => new JournalHealth(true, Stopwatch.GetElapsedTime(started).TotalMilliseconds, null),
                    ReplayMessagesFailure f => new JournalHealth(false, null, f.Cause.Message),
                    _ => new JournalHealth(false, null, $"unexpected journal answer {reply.GetType().Name}"),
                };
            }
            catch (AskTimeoutException)
            {
                journal = new JournalHealth(false, null, $"journal did not answer within {journalTimeout.TotalMilliseconds} ms");
            }
        }
        var disk = settings.IsBroker && DiskSpace.For(system).Current is { } d
            ? new DiskHealth(d.Pressure.ToString(), d.Path, d.Usage.UsedRatio, d.Usage.UsedBytes, d.Usage.TotalBytes, d.RefusesWrites, d.Describe())
            : null;
        var ok = up && (journal == null || journal.Ok) && disk is not { WritesRefused: true };
        return new NodeHealthReport(ok ? "UP" : "DOWN", cluster.SelfAddress.ToString(), self.Status.ToString(), settings.Roles, journal, disk);
    }
}
