using Akka.Actor;

namespace AkkaMq.Broker.Topics;

/// <summary>
/// Requests for a topic the gateway does not know yet. The topic may have been created through
/// another node of this group a moment ago, so the gateway refreshes its table (at most every
/// <see cref="MinInterval"/>) before refusing. While a refresh is pending (e.g. the group's shard is
/// moving after a failover) such requests wait for it instead of being refused; the client's own
/// deadline bounds the wait, and at most <see cref="MaxWaiting"/> wait.
/// </summary>
public sealed class PendingTopicRefresh
{
    public const int MaxWaiting = 10_000;
    public static readonly TimeSpan MinInterval = TimeSpan.FromSeconds(1);

    private readonly List<(object Message, IActorRef Sender)> _waiting = new();

    public int Count => _waiting.Count;

    /// <summary>
    /// Whether the request must wait for a refresh of <paramref name="topics"/>; startRefresh tells the
    /// caller to ask the group's shard for the table (the first waiting request does).
    /// </summary>
    public bool TryWait(TopicTable topics, string topic, object message, IActorRef sender, DateTime now, out bool startRefresh)
    {
        startRefresh = false;
        if (topics.Contains(topic)) return false;
        if (_waiting.Count == 0 && now - topics.LastRefresh < MinInterval) return false;
        if (_waiting.Count >= MaxWaiting) return false;
        startRefresh = _waiting.Count == 0;
        _waiting.Add((message, sender));
        return true;
    }

    /// <summary>The waiting requests in arrival order, to be handled again now that the table is fresh.</summary>
    public List<(object Message, IActorRef Sender)> TakeAll()
    {
        var all = new List<(object, IActorRef)>(_waiting);
        _waiting.Clear();
        return all;
    }
}
