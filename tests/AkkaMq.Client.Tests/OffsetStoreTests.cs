using AkkaMq.Client.Consumer;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;

namespace AkkaMq.Client.Tests;

/// <summary>What every <see cref="IOffsetStore"/> promises; run against the local-file and the broker store.</summary>
public abstract class OffsetStoreContract
{
    protected static readonly MessageQueue Q0 = new("TopicA", "broker-a", 0);
    protected static readonly MessageQueue Q1 = new("TopicA", "broker-a", 1);
    protected static readonly MessageQueue Other = new("TopicB", "broker-b", 3);

    /// <summary>A store over the same backing storage (file or broker) as every other store of this test.</summary>
    private protected abstract IOffsetStore NewStore();

    [Fact]
    public void An_increase_only_update_never_moves_an_offset_back()
    {
        var store = NewStore();
        Assert.Equal(-1, store.ReadOffset(Q0));
        store.UpdateOffset(Q0, 10, increaseOnly: true);
        store.UpdateOffset(Q0, 7, increaseOnly: true);
        Assert.Equal(10, store.ReadOffset(Q0));
        store.UpdateOffset(Q0, 7, increaseOnly: false);
        Assert.Equal(7, store.ReadOffset(Q0));
    }

    [Fact]
    public async Task Persisted_offsets_are_read_back_from_the_store_by_a_new_instance()
    {
        var store = NewStore();
        store.UpdateOffset(Q0, 10, increaseOnly: true);
        store.UpdateOffset(Other, 3, increaseOnly: true);
        Assert.Equal(-1, await NewStore().ReadOffsetFromStoreAsync(Q0));
        store.PersistAll();
        store.UpdateOffset(Q0, 12, increaseOnly: true);
        store.PersistAll();
        var reopened = NewStore();
        Assert.Equal(12, await reopened.ReadOffsetFromStoreAsync(Q0));
        Assert.Equal(3, await reopened.ReadOffsetFromStoreAsync(Other));
        Assert.Equal(-1, await reopened.ReadOffsetFromStoreAsync(Q1));
        Assert.Equal(-1, reopened.ReadOffset(Q0)); // memory starts empty: the consumer reads the store when it takes a queue
    }

    [Fact]
    public async Task Persist_async_stores_the_given_offsets_before_it_completes()
    {
        var store = NewStore();
        await store.PersistAsync(new Dictionary<MessageQueue, long> { [Q0] = 5, [Other] = 9 });
        Assert.Equal(5, await NewStore().ReadOffsetFromStoreAsync(Q0));
        Assert.Equal(9, await NewStore().ReadOffsetFromStoreAsync(Other));
    }

    [Fact]
    public async Task A_removed_queue_is_forgotten_and_not_written()
    {
        var store = NewStore();
        store.UpdateOffset(Q0, 10, increaseOnly: true);
        store.UpdateOffset(Q1, 20, increaseOnly: true);
        store.RemoveOffset(Q0);
        store.PersistAll();
        Assert.Equal(-1, store.ReadOffset(Q0));
        Assert.False(store.CloneOffsetTable().ContainsKey(Q0));
        Assert.Equal(-1, await NewStore().ReadOffsetFromStoreAsync(Q0));
        Assert.Equal(20, await NewStore().ReadOffsetFromStoreAsync(Q1));
    }

    [Fact]
    public void The_cloned_table_does_not_follow_later_updates()
    {
        var store = NewStore();
        store.UpdateOffset(Q0, 1, increaseOnly: true);
        var clone = store.CloneOffsetTable();
        store.UpdateOffset(Q0, 2, increaseOnly: true);
        Assert.Equal(1, clone[Q0]);
    }
}

public sealed class LocalFileOffsetStoreTests : OffsetStoreContract, IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "akkamq-offset-store-" + Guid.NewGuid().ToString("N"));

    private protected override IOffsetStore NewStore() => new LocalFileOffsetStore(_dir, "GID_local", "instance-1");

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, true);
    }

    [Fact]
    public async Task Another_instance_name_has_its_own_file()
    {
        var store = NewStore();
        store.UpdateOffset(Q0, 4, increaseOnly: true);
        store.PersistAll();
        Assert.Equal(-1, await new LocalFileOffsetStore(_dir, "GID_local", "instance-2").ReadOffsetFromStoreAsync(Q0));
    }

    [Fact]
    public async Task A_corrupt_file_is_reported_not_read_as_empty()
    {
        var store = new LocalFileOffsetStore(_dir, "GID_local", "instance-1");
        Directory.CreateDirectory(Path.GetDirectoryName(store.FilePath)!);
        await File.WriteAllTextAsync(store.FilePath, "{not json");
        var e = await Assert.ThrowsAsync<AkkaMqException>(() => store.ReadOffsetFromStoreAsync(Q0));
        Assert.Contains("corrupt", e.Message);
    }
}

public sealed class RemoteBrokerOffsetStoreTests : OffsetStoreContract
{
    private readonly Dictionary<MessageQueue, long> _broker = new();
    private readonly List<CommitConsumerOffsets> _sent = new();
    private readonly HashSet<string> _unreachable = new();

    private protected override IOffsetStore NewStore() => NewRemote();

    private RemoteBrokerOffsetStore NewRemote() => new("GID_remote",
        mq => Task.FromResult(_broker.TryGetValue(mq, out var o) ? o : -1),
        commit =>
        {
            if (_unreachable.Contains(commit.BrokerName)) return false;
            Apply(commit);
            return true;
        },
        commit =>
        {
            if (_unreachable.Contains(commit.BrokerName)) return null;
            Apply(commit);
            return Task.CompletedTask;
        });

    private void Apply(CommitConsumerOffsets commit)
    {
        Assert.Equal("GID_remote", commit.ConsumerGroup);
        _sent.Add(commit);
        foreach (var (queueId, o) in commit.Offsets) _broker[new MessageQueue(commit.Topic, commit.BrokerName, queueId)] = o;
    }

    [Fact]
    public void A_persist_sends_one_commit_per_broker_and_topic_and_only_what_changed()
    {
        var store = NewRemote();
        store.UpdateOffset(Q0, 1, increaseOnly: true);
        store.UpdateOffset(Q1, 2, increaseOnly: true);
        store.UpdateOffset(Other, 3, increaseOnly: true);
        store.PersistAll();
        Assert.Equal(2, _sent.Count);
        Assert.Equal(new Dictionary<int, long> { [0] = 1, [1] = 2 }, _sent.Single(c => c.Topic == "TopicA").Offsets);
        _sent.Clear();
        store.PersistAll();
        Assert.Empty(_sent);
        store.UpdateOffset(Q1, 5, increaseOnly: true);
        store.PersistAll();
        Assert.Equal(new Dictionary<int, long> { [1] = 5 }, Assert.Single(_sent).Offsets);
    }

    [Fact]
    public void Offsets_of_an_unreachable_broker_are_sent_with_the_next_persist()
    {
        var store = NewRemote();
        store.UpdateOffset(Other, 3, increaseOnly: true);
        _unreachable.Add("broker-b");
        store.PersistAll();
        Assert.Empty(_sent);
        _unreachable.Clear();
        store.PersistAll();
        Assert.Equal(3, _broker[Other]);
    }

    [Fact]
    public void Offsets_of_a_refused_commit_are_sent_again_with_the_next_persist()
    {
        var store = NewRemote();
        store.UpdateOffset(Q0, 1, increaseOnly: true);
        store.UpdateOffset(Other, 3, increaseOnly: true);
        store.PersistAll();
        _sent.Clear();
        store.CommitRefused("TopicA");
        store.PersistAll();
        Assert.Equal("TopicA", Assert.Single(_sent).Topic);
    }

    [Fact]
    public async Task The_shutdown_persist_skips_unreachable_brokers_and_waits_for_the_others()
    {
        var store = NewRemote();
        _unreachable.Add("broker-b");
        await store.PersistAsync(new Dictionary<MessageQueue, long> { [Q0] = 5, [Other] = 9 });
        Assert.Equal("broker-a", Assert.Single(_sent).BrokerName);
    }
}
