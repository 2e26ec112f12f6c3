using Akka.Actor;
using AkkaMq.Broker.Offsets;
using AkkaMq.Broker.Retention;
using AkkaMq.Protocol;

namespace AkkaMq.Broker.Topics;

/// <summary>
/// Purges a deleted topic on its broker group (RocketMQ's deleteTopicInBroker: the messages, then
/// cleanOffsetByTopic), a child of the group's <see cref="TopicConfigLog"/>. Each queue deletes all
/// it holds through retention's own steps (a <see cref="CleanExpiredMessages"/> with no cutoff, asked
/// again while More): the min offset moves to the max, the index, tail, key index and read-ahead
/// drop the range, and every step is durable before it is answered. Then each consumer group that
/// committed on the topic removes its offsets. Every step is idempotent, so a failed or interrupted
/// purge is simply run again; the parent is told <see cref="TopicPurgeFinished"/> and this actor stops.
/// </summary>
public sealed class TopicPurger : ReceiveActor, IWithTimers
{
    private sealed record StepTimeout(long Step);
    private sealed record Retry(long Step);
    private sealed record GroupsFound(IReadOnlyList<string> Groups);
    private sealed record LookupFailed(string Error);

    /// <summary>How often one queue step is asked again after an error (e.g. retention holds the queue).</summary>
    public const int MaxRetries = 50;
    private static readonly TimeSpan RetryAfter = TimeSpan.FromMilliseconds(200);

    private readonly string _brokerName;
    private readonly string _topic;
    private readonly int _queues;
    private readonly IActorRef _region;
    private readonly TimeSpan _stepTimeout;
    private readonly HashSet<string> _groupsLeft = new(StringComparer.Ordinal);
    private int _queueId;
    private int _retries;
    private long _deleted;
    private int _groups;
    private long _step;
    private string? _lastError;

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(string brokerName, TopicConfig config, IActorRef region, TimeSpan stepTimeout) =>
        Akka.Actor.Props.Create(() => new TopicPurger(brokerName, config, region, stepTimeout));

    public TopicPurger(string brokerName, TopicConfig config, IActorRef region, TimeSpan stepTimeout)
    {
        _brokerName = brokerName;
        _topic = config.TopicName;
        _queues = Math.Max(config.ReadQueueNums, config.WriteQueueNums);
        _region = region;
        _stepTimeout = stepTimeout;
        Receive<ExpiredMessagesCleaned>(OnCleaned);
        Receive<Retry>(r => { if (r.Step == _step) AskQueue(); });
        Receive<GroupsFound>(OnGroups);
        Receive<LookupFailed>(f => Finish($"cannot list the consumer groups with offsets on '{_topic}': {f.Error}"));
        Receive<ConsumerOffsetsPurged>(p =>
        {
            if (!_groupsLeft.Remove(p.ConsumerGroup)) return;
            if (_groupsLeft.Count == 0) Finish(null);
            else Arm();
        });
        Receive<StepTimeout>(t =>
        {
            if (t.Step != _step) return;
            Finish(_queueId < _queues
                ? $"queue {_topic}:{_queueId} did not answer within {_stepTimeout}" + (_lastError != null ? $" (last error: {_lastError})" : "")
                : $"the offsets of consumer groups {string.Join(", ", _groupsLeft)} on '{_topic}' were not removed within {_stepTimeout}");
        });
    }

    protected override void PreStart() => AskQueue();

    private void Arm() => Timers.StartSingleTimer("step", new StepTimeout(++_step), _stepTimeout);

    private void AskQueue()
    {
        if (_queueId >= _queues)
        {
            LookUpGroups();
            return;
        }
        Arm();
        // No cutoff: every message of the queue is "expired".
        _region.Tell(new CleanExpiredMessages(_brokerName, _topic, _queueId, long.MaxValue));
    }

    private void OnCleaned(ExpiredMessagesCleaned r)
    {
        if (r.Topic != _topic || r.QueueId != _queueId) return;
        _deleted += r.DeletedMessages;
        if (r.Error != null)
        {
            _lastError = r.Error;
            if (++_retries > MaxRetries)
            {
                Finish($"queue {_topic}:{_queueId}: {r.Error}");
                return;
            }
            Timers.StartSingleTimer("retry", new Retry(_step), RetryAfter);
            return;
        }
        _retries = 0;
        _lastError = null;
        if (!r.More) _queueId++;
        AskQueue();
    }

    private void LookUpGroups()
    {
        Arm();
        var self = Self;
        ConsumerOffsetGroups.FindAsync(Context.System, _brokerName, _topic, CancellationToken.None).PipeTo(self,
            success: groups => new GroupsFound(groups), failure: e => new LookupFailed(e.GetBaseException().Message));
    }

    private void OnGroups(GroupsFound m)
    {
        _groups = m.Groups.Count;
        if (m.Groups.Count == 0)
        {
            Finish(null);
            return;
        }
        Arm();
        foreach (var g in m.Groups)
        {
            _groupsLeft.Add(g);
            _region.Tell(new PurgeConsumerOffsets(_brokerName, g, _topic));
        }
    }

    private void Finish(string? error)
    {
        Timers.CancelAll();
        Context.Parent.Tell(new TopicPurgeFinished(_topic, _deleted, _groups, error));
        Context.Stop(Self);
    }
}
