using Akka.Configuration;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Configuration;
using AkkaMq.Protocol.NameServer;

namespace AkkaMq.Broker;

public enum FlushDiskType { AsyncFlush, SyncFlush }

public sealed record QueueLogSettings(
    int MaxBatchMessages,
    long MaxBatchBytes,
    int MaxInflightWrites,
    int MaxPendingMessages,
    int TailMessages,
    long TailBytes,
    int SnapshotEvery,
    int IndexMaxEntries,
    int ReadBatchEvents,
    int MaxPullMessages,
    long MaxPullBytes,
    int MaxFilterScan,
    int MaxHeldPulls,
    TimeSpan MaxSuspend,
    int KeyIndexMaxKeys = 100_000,
    int KeyIndexMaxOffsetsPerKey = 16,
    bool ReadAhead = true,
    TimeSpan ReadAheadKeep = default,
    int DeleteBatchEvents = 1000);

/// <summary>Broker settings, read from <c>akkamq.broker</c>; every key named as in RocketMQ where it has one.</summary>
public sealed record BrokerSettings(
    string BrokerClusterName,
    string BrokerName,
    long BrokerId,
    IReadOnlyList<string> NamesrvAddr,
    string BrokerIP1,
    int ListenPort,
    string Role,
    bool AutoCreateTopicEnable,
    int DefaultTopicQueueNums,
    MessageLimits Limits,
    FlushDiskType FlushDiskType,
    TimeSpan RegisterNameServerPeriod,
    string ShardRegionName,
    TimeSpan PassivateIdleAfter,
    QueueLogSettings Queue,
    int ConsumerOffsetsSnapshotEvery)
{
    public static Config DefaultConfig { get; } = ProtocolConfig.Load(typeof(BrokerSettings).Assembly, "AkkaMq.Broker.reference.conf");

    /// <summary>RocketMQ's autoCreateSubscriptionGroup: an unknown consumer group is created with the defaults on first use; off, its pulls are refused.</summary>
    public bool AutoCreateSubscriptionGroup { get; init; } = true;

    /// <summary>Consumer group membership and queue locks (akkamq.broker.consumer-manager).</summary>
    public Consumer.ConsumerManagerSettings ConsumerManager { get; init; } = Consumer.ConsumerManagerSettings.Default;

    /// <summary>Delay levels and the delayed-message schedule (akkamq.broker.messageDelayLevel, akkamq.broker.schedule).</summary>
    public Consumer.ScheduleSettings Schedule { get; init; } = Consumer.ScheduleSettings.Default;

    /// <summary>Transactional messages: check-back timing and the half-message store's bounds (transactionTimeOut, ..., akkamq.broker.transaction).</summary>
    public Transaction.TransactionSettings Transaction { get; init; } = AkkaMq.Broker.Transaction.TransactionSettings.Default;

    /// <summary>Retention by time (akkamq.broker.fileReservedTime, deleteWhen, cleanResourceInterval).</summary>
    public Retention.RetentionSettings Retention { get; init; } = AkkaMq.Broker.Retention.RetentionSettings.Default;

    public BrokerIdentity Identity(string address) => new(BrokerClusterName, BrokerName, BrokerId, address);

    /// <summary>How long the gateway holds client requests while the group's serving node is unreachable (0 = not at all).</summary>
    public TimeSpan FailoverHoldTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Port of the data channel (plain TCP for sends and pulls): 0 picks a free port, -1 means none.</summary>
    public int FastListenPort { get; init; } = -1;

    /// <summary>Largest data-channel frame, the same limit as Akka.Remote's maximum-frame-size.</summary>
    public int MaxFrameBytes { get; init; } = ProtocolConfig.DefaultMaxFrameBytes;

    /// <summary>Disk watermarks of the data directory's file system (diskMaxUsedSpaceRatio, ..., disk-check-interval).</summary>
    public Storage.DiskSpaceSettings Disk { get; init; } = Storage.DiskSpaceSettings.Default;

    /// <summary>The node's memory budget and the cap on queues auto-create may add (akkamq.broker.memory, autoCreateQueueLimit).</summary>
    public Memory.MemorySettings Memory { get; init; } = AkkaMq.Broker.Memory.MemorySettings.Default;

    public static BrokerSettings Create(Config root)
    {
        var full = root.WithFallback(DefaultConfig);
        var c = full.GetConfig("akkamq.broker");
        var q = c.GetConfig("queue");
        const string p = "akkamq.broker.";

        var brokerName = c.GetString("brokerName");
        var nameError = Validators.CheckBrokerName(brokerName);
        if (nameError != null) throw new ConfigurationException($"{p}brokerName: {nameError}");
        var clusterName = c.GetString("brokerClusterName");
        if (Validators.CheckBrokerName(clusterName) is { } clusterError)
            throw new ConfigurationException($"{p}brokerClusterName: {clusterError.Replace("broker name", "cluster name")}");
        var brokerId = c.GetLong("brokerId");
        if (brokerId < 0) throw new ConfigurationException($"{p}brokerId must be 0 (master) or a positive slave id, not {brokerId}");
        var port = c.GetInt("listenPort");
        if (port is < 0 or > 65535) throw new ConfigurationException($"{p}listenPort {port} is not a port number");
        var fastPort = c.GetInt("fastListenPort");
        if (fastPort is < -1 or > 65535) throw new ConfigurationException($"{p}fastListenPort {fastPort} is not a port number (or -1 for none)");
        if (fastPort > 0 && fastPort == port) throw new ConfigurationException($"{p}fastListenPort and {p}listenPort are both {port}");

        var flush = c.GetString("flushDiskType") switch
        {
            "ASYNC_FLUSH" => FlushDiskType.AsyncFlush,
            "SYNC_FLUSH" => FlushDiskType.SyncFlush,
            var other => throw new ConfigurationException($"{p}flushDiskType must be ASYNC_FLUSH or SYNC_FLUSH, not '{other}'"),
        };

        var limits = new MessageLimits(c.GetInt("maxMessageSize"), c.GetInt("maxPropertyCount"), c.GetInt("maxPropertiesSize"));
        if (limits.MaxMessageSize < 1) throw new ConfigurationException($"{p}maxMessageSize must be positive");
        var queue = new QueueLogSettings(
            Positive(q, "max-batch-messages"),
            (long)q.GetByteSize("max-batch-bytes")!,
            InflightWrites(q.GetString("max-inflight-writes"), full.GetString("akkamq.store.journal")),
            Positive(q, "max-pending-messages"),
            Positive(q, "tail-messages"),
            (long)q.GetByteSize("tail-bytes")!,
            Positive(q, "snapshot-every"),
            Positive(q, "index-max-entries"),
            Positive(q, "read-batch-events"),
            Positive(q, "max-pull-messages"),
            (long)q.GetByteSize("max-pull-bytes")!,
            Positive(q, "max-filter-scan"),
            Positive(q, "max-held-pulls"),
            q.GetTimeSpan("max-suspend"),
            NonNegative(q, "key-index.max-keys"),
            Positive(q, "key-index.max-offsets-per-key"),
            q.GetBoolean("read-ahead"),
            q.GetTimeSpan("read-ahead-keep"));
        if (queue.MaxBatchBytes < limits.MaxMessageSize)
            throw new ConfigurationException($"{p}queue.max-batch-bytes ({queue.MaxBatchBytes}) is smaller than {p}maxMessageSize ({limits.MaxMessageSize}): a maximum-size message could never be stored");
        if (queue.IndexMaxEntries < 16) throw new ConfigurationException($"{p}queue.index-max-entries must be at least 16");
        if (queue.ReadAhead && queue.ReadAheadKeep <= TimeSpan.Zero)
            throw new ConfigurationException($"{p}queue.read-ahead-keep must be positive while read-ahead is on, not {queue.ReadAheadKeep}");

        var retention = AkkaMq.Broker.Retention.RetentionSettings.Create(c);
        queue = queue with { DeleteBatchEvents = retention.DeleteBatchEvents };

        var queueNums = c.GetInt("defaultTopicQueueNums");
        if (queueNums < 1) throw new ConfigurationException($"{p}defaultTopicQueueNums must be at least 1");

        return new BrokerSettings(
            clusterName,
            brokerName,
            brokerId,
            AkkaMq.Protocol.Configuration.NamesrvAddr.Parse(c.GetString("namesrvAddr"), p + "namesrvAddr"),
            c.GetString("brokerIP1"),
            port,
            c.GetString("role"),
            c.GetBoolean("autoCreateTopicEnable"),
            queueNums,
            limits,
            flush,
            c.GetTimeSpan("registerNameServerPeriod"),
            c.GetString("shard-region-name"),
            c.GetTimeSpan("passivate-idle-after"),
            queue,
            c.GetInt("consumer-offsets.snapshot-every"))
        {
            FailoverHoldTimeout = c.GetTimeSpan("failover-hold-timeout"),
            AutoCreateSubscriptionGroup = c.GetBoolean("autoCreateSubscriptionGroup"),
            FastListenPort = fastPort,
            MaxFrameBytes = ProtocolConfig.MaxFrameBytes(root),
            ConsumerManager = Consumer.ConsumerManagerSettings.Create(c),
            Schedule = Consumer.ScheduleSettings.Create(c),
            Retention = retention,
            Transaction = AkkaMq.Broker.Transaction.TransactionSettings.Create(c),
            Disk = Storage.DiskSpaceSettings.Create(c),
            Memory = AkkaMq.Broker.Memory.MemorySettings.Create(c),
        };

        static int NonNegative(Config q, string key)
        {
            var v = q.GetInt(key);
            if (v < 0) throw new ConfigurationException($"akkamq.broker.queue.{key} must not be negative, not {v}");
            return v;
        }

        // auto: 2 on the embedded SQLite journal, which fails the writes of a queue that follow a
        // failed one; 1 on PostgreSQL, where a later write could be stored after a hole in the offsets.
        static int InflightWrites(string value, string journal)
        {
            if (value == "auto") return journal == "sqlite" ? 2 : 1;
            if (!int.TryParse(value, out var v) || v < 1)
                throw new ConfigurationException($"akkamq.broker.queue.max-inflight-writes must be auto or at least 1, not '{value}'");
            return v;
        }

        static int Positive(Config q, string key)
        {
            var v = q.GetInt(key);
            if (v < 1) throw new ConfigurationException($"akkamq.broker.queue.{key} must be at least 1, not {v}");
            return v;
        }
    }
}

/// <summary>Journal settings, read from <c>akkamq.store</c>.</summary>
/// <param name="CheckpointInterval">Embedded SQLite: how often the background checkpointer copies the WAL into the database; zero leaves it to SQLite inside commits.</param>
/// <param name="WalAutocheckpointBytes">Embedded SQLite with the background checkpointer: WAL size at which a commit still checkpoints itself.</param>
/// <param name="WalRestartBytes">Embedded SQLite: WAL size past which the checkpointer holds commits for the short pass that lets the WAL start over.</param>
public sealed record StoreSettings(string DataDir, string Journal, string ConnectionString,
    TimeSpan CheckpointInterval = default, long WalAutocheckpointBytes = 64L << 20, long WalRestartBytes = 16L << 20)
{
    public static StoreSettings Create(Config root)
    {
        var c = root.WithFallback(BrokerSettings.DefaultConfig).GetConfig("akkamq.store");
        var journal = c.GetString("journal");
        if (journal is not ("sqlite" or "postgresql"))
            throw new ConfigurationException($"akkamq.store.journal must be sqlite or postgresql, not '{journal}'");
        var cs = c.GetString("connection-string") ?? "";
        // Akka's HOCON parser does not resolve ${?VAR} from the environment, so a secret-bearing
        // connection string can instead be named by an environment variable.
        var env = c.GetString("connection-string-env")?.Trim() ?? "";
        if (env.Length > 0)
        {
            if (!string.IsNullOrWhiteSpace(cs))
                throw new ConfigurationException("akkamq.store.connection-string and akkamq.store.connection-string-env are both set: set only one");
            cs = Environment.GetEnvironmentVariable(env) ?? "";
            if (string.IsNullOrWhiteSpace(cs))
                throw new ConfigurationException($"akkamq.store.connection-string-env names the environment variable {env}, which is not set or empty");
        }
        if (journal == "postgresql" && string.IsNullOrWhiteSpace(cs))
            throw new ConfigurationException("akkamq.store.connection-string (or connection-string-env) is required when akkamq.store.journal = postgresql");
        var dir = c.GetString("data-dir");
        if (journal == "sqlite" && string.IsNullOrWhiteSpace(dir) && string.IsNullOrWhiteSpace(cs))
            throw new ConfigurationException("akkamq.store.data-dir is empty");
        TimeSpan interval;
        try { interval = c.GetTimeSpan("checkpoint-interval"); }
        catch (Exception e) when (e is not ConfigurationException)
        {
            throw new ConfigurationException($"akkamq.store.checkpoint-interval: {e.Message}");
        }
        if (interval < TimeSpan.Zero)
            throw new ConfigurationException($"akkamq.store.checkpoint-interval must not be negative, not {interval}");
        var walLimit = c.GetByteSize("wal-autocheckpoint") ?? 0;
        if (walLimit < 1 << 20)
            throw new ConfigurationException($"akkamq.store.wal-autocheckpoint must be at least 1 MiB, not {walLimit} bytes");
        var restart = c.GetByteSize("wal-restart-size") ?? 0;
        if (restart < 64 << 10)
            throw new ConfigurationException($"akkamq.store.wal-restart-size must be at least 64 KiB, not {restart} bytes");
        // Past wal-autocheckpoint a commit checkpoints first, so a larger value would never apply.
        return new StoreSettings(dir ?? "", journal, cs, interval, (long)walLimit, (long)Math.Min(restart, walLimit));
    }
}
