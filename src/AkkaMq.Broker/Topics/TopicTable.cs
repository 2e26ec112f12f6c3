using AkkaMq.Protocol;

namespace AkkaMq.Broker.Topics;

/// <summary>
/// The gateway's copy of its broker group's topic configs (the group's <see cref="TopicConfigLog"/>
/// owns them; RocketMQ's TopicConfigManager as the processors read it). Every change is reported
/// to onChange with the topic names, so the served-topic set of the metrics follows it.
/// </summary>
public sealed class TopicTable
{
    private readonly Dictionary<string, TopicConfig> _topics = new(StringComparer.Ordinal);
    private readonly Action<IEnumerable<string>>? _onChange;

    public TopicTable(Action<IEnumerable<string>>? onChange = null) => _onChange = onChange;

    public int Count => _topics.Count;

    /// <summary>When the table was last replaced from the group's shard.</summary>
    public DateTime LastRefresh { get; private set; } = DateTime.MinValue;

    public bool Contains(string topic) => _topics.ContainsKey(topic);

    public bool TryGet(string topic, out TopicConfig config) => _topics.TryGetValue(topic, out config!);

    /// <summary>The whole table from the group's shard, replacing what was known.</summary>
    public void Replace(IReadOnlyList<TopicConfig> configs, DateTime now)
    {
        _topics.Clear();
        foreach (var t in configs) _topics[t.TopicName] = t;
        _onChange?.Invoke(_topics.Keys);
        LastRefresh = now;
    }

    public void Put(string topic, TopicConfig config)
    {
        _topics[topic] = config;
        _onChange?.Invoke(_topics.Keys);
    }

    public void Remove(string topic)
    {
        _topics.Remove(topic);
        _onChange?.Invoke(_topics.Keys);
    }

    /// <summary>A copy of the configs, for a reply or a NameServer registration.</summary>
    public List<TopicConfig> Snapshot() => new(_topics.Values);
}
