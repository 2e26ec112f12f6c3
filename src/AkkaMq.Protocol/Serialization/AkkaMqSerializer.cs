using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Serialization;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.Consumer;
using AkkaMq.Protocol.NameServer;
using AkkaMq.Protocol.Store;

namespace AkkaMq.Protocol.Serialization;

/// <summary>
/// The one serializer for AkkaMq's wire messages and persisted events. Hand-written binary:
/// bodies are copied, never re-encoded. Manifests are short and never reused; persisted formats
/// carry a version digit and stay readable forever.
/// </summary>
public sealed partial class AkkaMqSerializer : SerializerWithStringManifest
{
    public const int SerializerId = 8401;

    // NameServer
    private const string RegisterBrokerManifest = "NRB";
    private const string RegisterBrokerReplyManifest = "NRR";
    private const string UnregisterBrokerManifest = "NUB";
    private const string GetRouteInfoManifest = "NGR";
    private const string RouteInfoReplyManifest = "NRI";
    private const string CreateTopicManifest = "NCT";
    private const string CreateTopicReplyManifest = "NCR";
    private const string GetBrokerClusterInfoManifest = "NGC";
    private const string BrokerClusterInfoManifest = "NCI";
    private const string RequestBrokerRegistrationManifest = "NRQ";
    // Broker
    private const string SendMessagesManifest = "BSM";
    private const string SendAcksManifest = "BSA";
    private const string AppendMessagesManifest = "BAM";
    private const string PullMessageManifest = "BPM";
    private const string PullResultManifest = "BPR";
    private const string QueryQueueOffsetManifest = "BQO";
    private const string QueueOffsetReplyManifest = "BOR";
    private const string CommitConsumerOffsetsManifest = "BCO";
    private const string CommitConsumerOffsetsReplyManifest = "BCR";
    private const string QueryConsumerOffsetManifest = "BQC";
    private const string ConsumerOffsetReplyManifest = "BCF";
    private const string UpdateTopicConfigManifest = "BUT";
    private const string UpdateTopicConfigReplyManifest = "BUR";
    private const string GetTopicConfigsManifest = "BGT";
    private const string GetDataChannelManifest = "BGD";
    private const string DataChannelAddressManifest = "BDA";
    private const string TopicConfigsManifest = "BTC";
    // Consumer groups
    private const string ConsumerHeartbeatManifest = "CHB";
    private const string ConsumerHeartbeatReplyManifest = "CHR";
    private const string UnregisterConsumerManifest = "CUR";
    private const string GetConsumerListManifest = "CGL";
    private const string ConsumerListManifest = "CCL";
    private const string ConsumerIdsChangedManifest = "CIC";
    private const string LockBatchMQManifest = "CLK";
    private const string LockBatchMQReplyManifest = "CLR";
    private const string UnlockBatchMQManifest = "CUL";
    private const string ConsumerSendMsgBackManifest = "CSB";
    private const string ScheduleMessagesManifest = "CSM";
    private const string ScheduledMessagesAddedManifest = "SCD1";
    private const string ScheduledMessagesDeliveredManifest = "SCE1";
    private const string ScheduleLogSnapshotManifest = "SCS1";
    // Store events and snapshots (versioned)
    private const string MessagesAppendedManifest = "SMA1";
    private const string QueueLogSnapshotManifest = "SQS1";
    private const string ConsumerOffsetsCommittedManifest = "SOC1";
    private const string ConsumerOffsetsSnapshotManifest = "SOS1";
    private const string TopicConfigChangedManifest = "STC1";
    private const string TopicConfigsSnapshotManifest = "STS1";

    [ThreadStatic] private static WireWriter? _writer;

    public AkkaMqSerializer(ExtendedActorSystem system) : base(system) { }

    public override int Identifier => SerializerId;

    public override string Manifest(object o) => o switch
    {
        SendMessages => SendMessagesManifest,
        SendAcks => SendAcksManifest,
        AppendMessages => AppendMessagesManifest,
        PullMessage => PullMessageManifest,
        PullResult => PullResultManifest,
        MessagesAppended => MessagesAppendedManifest,
        RegisterBroker => RegisterBrokerManifest,
        RegisterBrokerReply => RegisterBrokerReplyManifest,
        UnregisterBroker => UnregisterBrokerManifest,
        GetRouteInfo => GetRouteInfoManifest,
        RouteInfoReply => RouteInfoReplyManifest,
        CreateTopic => CreateTopicManifest,
        CreateTopicReply => CreateTopicReplyManifest,
        GetBrokerClusterInfo => GetBrokerClusterInfoManifest,
        BrokerClusterInfo => BrokerClusterInfoManifest,
        RequestBrokerRegistration => RequestBrokerRegistrationManifest,
        QueryQueueOffset => QueryQueueOffsetManifest,
        QueueOffsetReply => QueueOffsetReplyManifest,
        CommitConsumerOffsets => CommitConsumerOffsetsManifest,
        CommitConsumerOffsetsReply => CommitConsumerOffsetsReplyManifest,
        QueryConsumerOffset => QueryConsumerOffsetManifest,
        ConsumerOffsetReply => ConsumerOffsetReplyManifest,
        UpdateTopicConfig => UpdateTopicConfigManifest,
        UpdateTopicConfigReply => UpdateTopicConfigReplyManifest,
        GetTopicConfigs => GetTopicConfigsManifest,
        GetDataChannel => GetDataChannelManifest,
        DataChannelAddress => DataChannelAddressManifest,
        TopicConfigs => TopicConfigsManifest,
        QueueLogSnapshot => QueueLogSnapshotManifest,
        ConsumerOffsetsCommitted => ConsumerOffsetsCommittedManifest,
        ConsumerOffsetsSnapshot => ConsumerOffsetsSnapshotManifest,
        TopicConfigChanged => TopicConfigChangedManifest,
        TopicConfigsSnapshot => TopicConfigsSnapshotManifest,
        ConsumerHeartbeat => ConsumerHeartbeatManifest,
        ConsumerHeartbeatReply => ConsumerHeartbeatReplyManifest,
        UnregisterConsumer => UnregisterConsumerManifest,
        GetConsumerList => GetConsumerListManifest,
        ConsumerList => ConsumerListManifest,
        ConsumerIdsChanged => ConsumerIdsChangedManifest,
        LockBatchMQ => LockBatchMQManifest,
        LockBatchMQReply => LockBatchMQReplyManifest,
        UnlockBatchMQ => UnlockBatchMQManifest,
        ConsumerSendMsgBack => ConsumerSendMsgBackManifest,
        ScheduleMessages => ScheduleMessagesManifest,
        ScheduledMessagesAdded => ScheduledMessagesAddedManifest,
        ScheduledMessagesDelivered => ScheduledMessagesDeliveredManifest,
        ScheduleLogSnapshot => ScheduleLogSnapshotManifest,
        _ => AdminManifest(o) ?? throw new ArgumentException($"AkkaMqSerializer cannot serialize {o.GetType()}"),
    };

    public override byte[] ToBinary(object obj)
    {
        var w = _writer ??= new WireWriter(4096);
        w.Reset();
        try
        {
            Write(w, obj);
            return w.ToArray();
        }
        finally
        {
            // Don't let one huge message pin a large buffer to the thread: it goes back to the shared pool.
            if (w.Capacity > 1 << 20) w.Release();
        }
    }

    private static void Write(WireWriter w, object obj)
    {
        switch (obj)
        {
            case SendMessages m:
                w.WriteString(m.BrokerName);
                w.WriteLength(m.Entries.Count);
                foreach (var e in m.Entries) WriteSendEntry(w, e, writeTopic: true);
                break;
            case SendAcks m:
                w.WriteString(m.BrokerName);
                w.WriteLength(m.Acks.Count);
                foreach (var a in m.Acks)
                {
                    w.WriteVarLong(a.CorrelationId);
                    w.WriteVarInt((int)a.Code);
                    w.WriteString(a.Error);
                    w.WriteVarInt((int)a.Status);
                    w.WriteVarInt(a.QueueId);
                    w.WriteVarLong(a.QueueOffset);
                }
                break;
            case AppendMessages m:
                w.WriteString(m.BrokerName);
                w.WriteString(m.Topic);
                w.WriteVarInt(m.QueueId);
                w.WriteLength(m.Entries.Count);
                foreach (var e in m.Entries) WriteSendEntry(w, e, writeTopic: false);
                break;
            case PullMessage m:
                w.WriteString(m.BrokerName);
                w.WriteString(m.ConsumerGroup);
                w.WriteString(m.Topic);
                w.WriteVarInt(m.QueueId);
                w.WriteVarLong(m.QueueOffset);
                w.WriteVarInt(m.MaxMsgNums);
                w.WriteString(m.SubExpression);
                w.WriteVarLong(m.SuspendTimeoutMillis);
                break;
            case PullResult m:
                w.WriteVarInt((int)m.Status);
                w.WriteVarLong(m.NextBeginOffset);
                w.WriteVarLong(m.MinOffset);
                w.WriteVarLong(m.MaxOffset);
                w.WriteString(m.Topic);
                w.WriteString(m.BrokerName);
                w.WriteVarInt(m.QueueId);
                w.WriteVarInt((int)m.Code);
                w.WriteString(m.Error);
                w.WriteLength(m.Messages.Count);
                foreach (var x in m.Messages)
                {
                    w.WriteVarLong(x.QueueOffset);
                    w.WriteString(x.Tags);
                    w.WriteString(x.Keys);
                    w.WriteProperties(x.Properties);
                    w.WriteVarLong(x.BornTimestamp);
                    w.WriteVarLong(x.StoreTimestamp);
                    w.WriteBytes(x.Body);
                }
                break;
            case MessagesAppended m:
                w.WriteVarLong(m.BaseOffset);
                w.WriteVarLong(m.StoreTimestamp);
                w.WriteLength(m.Messages.Count);
                foreach (var x in m.Messages)
                {
                    w.WriteString(x.Tags);
                    w.WriteString(x.Keys);
                    w.WriteProperties(x.Properties);
                    w.WriteVarLong(x.BornTimestamp);
                    w.WriteBytes(x.Body);
                }
                break;
            case RegisterBroker m:
                WriteBrokerIdentity(w, m.Broker);
                w.WriteLength(m.Topics.Count);
                foreach (var t in m.Topics) WriteTopicConfig(w, t);
                w.WriteBool(m.AutoCreateTopicEnable);
                w.WriteVarInt(m.DefaultTopicQueueNums);
                break;
            case RegisterBrokerReply m:
                w.WriteVarInt((int)m.Code);
                w.WriteString(m.Error);
                break;
            case UnregisterBroker m:
                w.WriteString(m.ClusterName);
                w.WriteString(m.BrokerName);
                w.WriteVarLong(m.BrokerId);
                break;
            case GetRouteInfo m:
                w.WriteString(m.Topic);
                w.WriteBool(m.AllowAutoCreate);
                break;
            case RouteInfoReply m:
                w.WriteString(m.Topic);
                w.WriteVarInt((int)m.Code);
                w.WriteString(m.Error);
                w.WriteBool(m.Route != null);
                if (m.Route != null) WriteRoute(w, m.Route);
                break;
            case CreateTopic m:
                WriteTopicConfig(w, m.Config);
                w.WriteString(m.ClusterName);
                w.WriteString(m.BrokerName);
                break;
            case CreateTopicReply m:
                w.WriteString(m.Topic);
                w.WriteVarInt((int)m.Code);
                w.WriteString(m.Error);
                WriteStrings(w, m.Brokers);
                break;
            case GetBrokerClusterInfo:
            case RequestBrokerRegistration:
                break;
            case BrokerClusterInfo m:
                w.WriteLength(m.Brokers.Count);
                foreach (var b in m.Brokers)
                {
                    WriteBrokerIdentity(w, b.Broker);
                    w.WriteVarLong(b.LastUpdateTimestamp);
                    w.WriteVarInt(b.TopicCount);
                }
                break;
            case QueryQueueOffset m:
                w.WriteString(m.BrokerName);
                w.WriteString(m.Topic);
                w.WriteVarInt(m.QueueId);
                w.WriteVarInt((int)m.Kind);
                w.WriteVarLong(m.Timestamp);
                break;
            case QueueOffsetReply m:
                w.WriteString(m.Topic);
                w.WriteVarInt(m.QueueId);
                w.WriteVarLong(m.Offset);
                w.WriteVarLong(m.MinOffset);
                w.WriteVarLong(m.MaxOffset);
                w.WriteVarLong(m.LastStoreTimestamp);
                w.WriteVarInt((int)m.Code);
                w.WriteString(m.Error);
                break;
            case CommitConsumerOffsets m:
                w.WriteString(m.BrokerName);
                w.WriteString(m.ConsumerGroup);
                w.WriteString(m.Topic);
                WriteOffsets(w, m.Offsets);
                break;
            case CommitConsumerOffsetsReply m:
                w.WriteString(m.ConsumerGroup);
                w.WriteString(m.Topic);
                w.WriteVarInt((int)m.Code);
                w.WriteString(m.Error);
                break;
            case QueryConsumerOffset m:
                w.WriteString(m.BrokerName);
                w.WriteString(m.ConsumerGroup);
                w.WriteString(m.Topic);
                w.WriteVarInt(m.QueueId);
                break;
            case ConsumerOffsetReply m:
                w.WriteString(m.ConsumerGroup);
                w.WriteString(m.Topic);
                w.WriteVarInt(m.QueueId);
                w.WriteVarLong(m.Offset);
                w.WriteVarInt((int)m.Code);
                w.WriteString(m.Error);
                break;
            case UpdateTopicConfig m:
                w.WriteString(m.BrokerName);
                WriteTopicConfig(w, m.Config);
                break;
            case UpdateTopicConfigReply m:
                w.WriteString(m.BrokerName);
                w.WriteString(m.Topic);
                w.WriteBool(m.Config != null);
                if (m.Config != null) WriteTopicConfig(w, m.Config);
                w.WriteVarInt((int)m.Code);
                w.WriteString(m.Error);
                break;
            case GetTopicConfigs m:
                w.WriteString(m.BrokerName);
                break;
            case GetDataChannel m:
                w.WriteString(m.BrokerName);
                break;
            case DataChannelAddress m:
                w.WriteString(m.BrokerName);
                w.WriteString(m.Host);
                w.WriteVarInt(m.Port);
                break;
            case TopicConfigs m:
                w.WriteString(m.BrokerName);
                WriteTopicConfigs(w, m.Configs);
                break;
            case QueueLogSnapshot m:
                w.WriteVarLong(m.NextOffset);
                w.WriteVarLong(m.MinOffset);
                w.WriteVarLong(m.LastStoreTimestamp);
                w.WriteVarInt(m.IndexStride);
                w.WriteLength(m.Index.Count);
                foreach (var e in m.Index)
                {
                    w.WriteVarLong(e.Offset);
                    w.WriteVarLong(e.SeqNr);
                    w.WriteVarLong(e.StoreTimestamp);
                }
                break;
            case ConsumerOffsetsCommitted m:
                WriteOffsets(w, m.Offsets);
                w.WriteVarLong(m.Timestamp);
                break;
            case ConsumerOffsetsSnapshot m:
                WriteOffsets(w, m.Offsets);
                w.WriteVarLong(m.LastCommitTimestamp);
                break;
            case TopicConfigChanged m:
                WriteTopicConfig(w, m.Config);
                break;
            case TopicConfigsSnapshot m:
                WriteTopicConfigs(w, m.Configs);
                break;
            case ConsumerHeartbeat m:
                w.WriteString(m.BrokerName);
                w.WriteString(m.ConsumerGroup);
                w.WriteString(m.ClientId);
                w.WriteVarInt((int)m.MessageModel);
                w.WriteLength(m.Subscriptions.Count);
                foreach (var sub in m.Subscriptions)
                {
                    w.WriteString(sub.Topic);
                    w.WriteString(sub.SubExpression);
                }
                break;
            case ConsumerHeartbeatReply m:
                w.WriteString(m.BrokerName);
                w.WriteString(m.ConsumerGroup);
                w.WriteString(m.ClientId);
                w.WriteVarInt((int)m.Code);
                w.WriteString(m.Error);
                break;
            case UnregisterConsumer m:
                w.WriteString(m.BrokerName);
                w.WriteString(m.ConsumerGroup);
                w.WriteString(m.ClientId);
                break;
            case GetConsumerList m:
                w.WriteString(m.BrokerName);
                w.WriteString(m.ConsumerGroup);
                break;
            case ConsumerList m:
                w.WriteString(m.ConsumerGroup);
                WriteStrings(w, m.ClientIds);
                w.WriteVarInt((int)m.Code);
                w.WriteString(m.Error);
                break;
            case ConsumerIdsChanged m:
                w.WriteString(m.BrokerName);
                w.WriteString(m.ConsumerGroup);
                break;
            case LockBatchMQ m:
                w.WriteString(m.BrokerName);
                w.WriteString(m.ConsumerGroup);
                w.WriteString(m.ClientId);
                WriteQueues(w, m.Queues);
                break;
            case LockBatchMQReply m:
                w.WriteString(m.ConsumerGroup);
                w.WriteString(m.ClientId);
                WriteQueues(w, m.LockOKMQSet);
                w.WriteVarInt((int)m.Code);
                w.WriteString(m.Error);
                break;
            case UnlockBatchMQ m:
                w.WriteString(m.BrokerName);
                w.WriteString(m.ConsumerGroup);
                w.WriteString(m.ClientId);
                WriteQueues(w, m.Queues);
                break;
            case ConsumerSendMsgBack m:
                w.WriteString(m.BrokerName);
                w.WriteString(m.ConsumerGroup);
                w.WriteVarLong(m.CorrelationId);
                w.WriteVarInt(m.DelayLevel);
                w.WriteVarInt(m.MaxReconsumeTimes);
                w.WriteString(m.Msg.Topic);
                w.WriteString(m.Msg.BrokerName);
                w.WriteVarInt(m.Msg.QueueId);
                w.WriteVarLong(m.Msg.QueueOffset);
                w.WriteString(m.Msg.Tags);
                w.WriteString(m.Msg.Keys);
                w.WriteProperties(m.Msg.Properties);
                w.WriteVarLong(m.Msg.BornTimestamp);
                w.WriteVarLong(m.Msg.StoreTimestamp);
                w.WriteBytes(m.Msg.Body);
                break;
            case ScheduleMessages m:
                w.WriteString(m.BrokerName);
                w.WriteLength(m.Entries.Count);
                foreach (var e in m.Entries)
                {
                    w.WriteVarLong(e.DeliverAt);
                    WriteSendEntry(w, e.Entry, writeTopic: true);
                }
                break;
            case ScheduledMessagesAdded m:
                WriteScheduled(w, m.Messages);
                break;
            case ScheduledMessagesDelivered m:
                w.WriteLength(m.Ids.Count);
                foreach (var id in m.Ids) w.WriteVarLong(id);
                break;
            case ScheduleLogSnapshot m:
                w.WriteVarLong(m.NextId);
                WriteScheduled(w, m.Pending);
                break;
            default:
                if (!WriteAdmin(w, obj)) throw new ArgumentException($"AkkaMqSerializer cannot serialize {obj.GetType()}");
                break;
        }
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        var r = new WireReader(bytes);
        object result = manifest switch
        {
            SendMessagesManifest => ReadSendMessages(ref r),
            SendAcksManifest => ReadSendAcks(ref r),
            AppendMessagesManifest => ReadAppendMessages(ref r),
            PullMessageManifest => new PullMessage(r.ReadRequiredString(), r.ReadRequiredString(), r.ReadRequiredString(),
                r.ReadVarInt(), r.ReadVarLong(), r.ReadVarInt(), r.ReadRequiredString(), r.ReadVarLong()),
            PullResultManifest => ReadPullResult(ref r),
            MessagesAppendedManifest => ReadMessagesAppended(ref r),
            RegisterBrokerManifest => ReadRegisterBroker(ref r),
            RegisterBrokerReplyManifest => new RegisterBrokerReply((ResponseCode)r.ReadVarInt(), r.ReadString()),
            UnregisterBrokerManifest => new UnregisterBroker(r.ReadRequiredString(), r.ReadRequiredString(), r.ReadVarLong()),
            GetRouteInfoManifest => new GetRouteInfo(r.ReadRequiredString(), r.ReadBool()),
            RouteInfoReplyManifest => ReadRouteInfoReply(ref r),
            CreateTopicManifest => new CreateTopic(ReadTopicConfig(ref r), r.ReadString(), r.ReadString()),
            CreateTopicReplyManifest => new CreateTopicReply(r.ReadRequiredString(), (ResponseCode)r.ReadVarInt(), r.ReadString(), ReadStrings(ref r)),
            GetBrokerClusterInfoManifest => GetBrokerClusterInfo.Instance,
            RequestBrokerRegistrationManifest => RequestBrokerRegistration.Instance,
            BrokerClusterInfoManifest => ReadBrokerClusterInfo(ref r),
            QueryQueueOffsetManifest => new QueryQueueOffset(r.ReadRequiredString(), r.ReadRequiredString(), r.ReadVarInt(),
                (QueueOffsetKind)r.ReadVarInt(), r.ReadVarLong()),
            QueueOffsetReplyManifest => new QueueOffsetReply(r.ReadRequiredString(), r.ReadVarInt(), r.ReadVarLong(), r.ReadVarLong(),
                r.ReadVarLong(), r.ReadVarLong(), (ResponseCode)r.ReadVarInt(), r.ReadString()),
            CommitConsumerOffsetsManifest => new CommitConsumerOffsets(r.ReadRequiredString(), r.ReadRequiredString(), r.ReadRequiredString(), ReadOffsets(ref r)),
            CommitConsumerOffsetsReplyManifest => new CommitConsumerOffsetsReply(r.ReadRequiredString(), r.ReadRequiredString(),
                (ResponseCode)r.ReadVarInt(), r.ReadString()),
            QueryConsumerOffsetManifest => new QueryConsumerOffset(r.ReadRequiredString(), r.ReadRequiredString(), r.ReadRequiredString(), r.ReadVarInt()),
            ConsumerOffsetReplyManifest => new ConsumerOffsetReply(r.ReadRequiredString(), r.ReadRequiredString(), r.ReadVarInt(),
                r.ReadVarLong(), (ResponseCode)r.ReadVarInt(), r.ReadString()),
            UpdateTopicConfigManifest => new UpdateTopicConfig(r.ReadRequiredString(), ReadTopicConfig(ref r)),
            UpdateTopicConfigReplyManifest => ReadUpdateTopicConfigReply(ref r),
            GetTopicConfigsManifest => new GetTopicConfigs(r.ReadRequiredString()),
            GetDataChannelManifest => new GetDataChannel(r.ReadRequiredString()),
            DataChannelAddressManifest => new DataChannelAddress(r.ReadRequiredString(), r.ReadRequiredString(), r.ReadVarInt()),
            TopicConfigsManifest => new TopicConfigs(r.ReadRequiredString(), ReadTopicConfigs(ref r)),
            QueueLogSnapshotManifest => ReadQueueLogSnapshot(ref r),
            ConsumerOffsetsCommittedManifest => new ConsumerOffsetsCommitted(ReadOffsets(ref r), r.ReadVarLong()),
            ConsumerOffsetsSnapshotManifest => new ConsumerOffsetsSnapshot(ReadOffsets(ref r), r.ReadVarLong()),
            TopicConfigChangedManifest => new TopicConfigChanged(ReadTopicConfig(ref r)),
            TopicConfigsSnapshotManifest => new TopicConfigsSnapshot(ReadTopicConfigs(ref r)),
            ConsumerHeartbeatManifest => ReadConsumerHeartbeat(ref r),
            ConsumerHeartbeatReplyManifest => new ConsumerHeartbeatReply(r.ReadRequiredString(), r.ReadRequiredString(), r.ReadRequiredString(),
                (ResponseCode)r.ReadVarInt(), r.ReadString()),
            UnregisterConsumerManifest => new UnregisterConsumer(r.ReadRequiredString(), r.ReadRequiredString(), r.ReadRequiredString()),
            GetConsumerListManifest => new GetConsumerList(r.ReadRequiredString(), r.ReadRequiredString()),
            ConsumerListManifest => new ConsumerList(r.ReadRequiredString(), ReadStrings(ref r), (ResponseCode)r.ReadVarInt(), r.ReadString()),
            ConsumerIdsChangedManifest => new ConsumerIdsChanged(r.ReadRequiredString(), r.ReadRequiredString()),
            LockBatchMQManifest => ReadLockBatch(ref r, unlock: false),
            LockBatchMQReplyManifest => new LockBatchMQReply(r.ReadRequiredString(), r.ReadRequiredString(), ReadQueues(ref r),
                (ResponseCode)r.ReadVarInt(), r.ReadString()),
            UnlockBatchMQManifest => ReadLockBatch(ref r, unlock: true),
            ConsumerSendMsgBackManifest => ReadSendMsgBack(ref r),
            ScheduleMessagesManifest => ReadScheduleMessages(ref r),
            ScheduledMessagesAddedManifest => new ScheduledMessagesAdded(ReadScheduled(ref r)),
            ScheduledMessagesDeliveredManifest => ReadDelivered(ref r),
            ScheduleLogSnapshotManifest => new ScheduleLogSnapshot(r.ReadVarLong(), ReadScheduled(ref r)),
            _ => ReadAdmin(manifest, ref r) ?? throw new SerializationException($"AkkaMqSerializer: unknown manifest '{manifest}'"),
        };
        if (!r.AtEnd) throw new SerializationException($"AkkaMqSerializer: trailing bytes after '{manifest}' payload");
        return result;
    }

    private static void WriteSendEntry(WireWriter w, SendEntry e, bool writeTopic)
    {
        w.WriteVarLong(e.CorrelationId);
        w.WriteVarInt(e.QueueId);
        w.WriteBool(e.Oneway);
        w.WriteVarLong(e.BornTimestamp);
        if (writeTopic) w.WriteString(e.Message.Topic);
        w.WriteString(e.Message.Tags);
        w.WriteString(e.Message.Keys);
        w.WriteProperties(e.Message.Properties);
        w.WriteBytes(e.Message.Body);
    }

    private static SendEntry ReadSendEntry(ref WireReader r, string? topic)
    {
        var id = r.ReadVarLong();
        var queueId = r.ReadVarInt();
        var oneway = r.ReadBool();
        var born = r.ReadVarLong();
        var t = topic ?? r.ReadRequiredString();
        var tags = r.ReadString();
        var keys = r.ReadString();
        var props = r.ReadProperties();
        var body = r.ReadBytes();
        return new SendEntry(id, queueId, oneway, born, new Message(t, body, tags, keys, props));
    }

    private static SendMessages ReadSendMessages(ref WireReader r)
    {
        var broker = r.ReadRequiredString();
        var n = r.ReadLength();
        var entries = new SendEntry[n];
        for (var i = 0; i < n; i++) entries[i] = ReadSendEntry(ref r, null);
        return new SendMessages(broker, entries);
    }

    private static AppendMessages ReadAppendMessages(ref WireReader r)
    {
        var broker = r.ReadRequiredString();
        var topic = r.ReadRequiredString();
        var queueId = r.ReadVarInt();
        var n = r.ReadLength();
        var entries = new SendEntry[n];
        for (var i = 0; i < n; i++) entries[i] = ReadSendEntry(ref r, topic);
        return new AppendMessages(broker, topic, queueId, entries);
    }

    private static SendAcks ReadSendAcks(ref WireReader r)
    {
        var broker = r.ReadRequiredString();
        var n = r.ReadLength();
        var acks = new SendAck[n];
        for (var i = 0; i < n; i++)
            acks[i] = new SendAck(r.ReadVarLong(), (ResponseCode)r.ReadVarInt(), r.ReadString(), (SendStatus)r.ReadVarInt(),
                r.ReadVarInt(), r.ReadVarLong());
        return new SendAcks(broker, acks);
    }

    private static PullResult ReadPullResult(ref WireReader r)
    {
        var status = (PullStatus)r.ReadVarInt();
        var next = r.ReadVarLong();
        var min = r.ReadVarLong();
        var max = r.ReadVarLong();
        var topic = r.ReadRequiredString();
        var broker = r.ReadRequiredString();
        var queueId = r.ReadVarInt();
        var code = (ResponseCode)r.ReadVarInt();
        var error = r.ReadString();
        var n = r.ReadLength();
        var msgs = new MessageExt[n];
        for (var i = 0; i < n; i++)
        {
            var offset = r.ReadVarLong();
            var tags = r.ReadString();
            var keys = r.ReadString();
            var props = r.ReadProperties();
            var born = r.ReadVarLong();
            var store = r.ReadVarLong();
            var body = r.ReadBytes();
            msgs[i] = new MessageExt(topic, broker, queueId, offset, tags, keys, props, body, born, store);
        }
        return new PullResult(status, next, min, max, topic, broker, queueId, msgs, code, error);
    }

    private static MessagesAppended ReadMessagesAppended(ref WireReader r)
    {
        var baseOffset = r.ReadVarLong();
        var storeTs = r.ReadVarLong();
        var n = r.ReadLength();
        var msgs = new StoredMessage[n];
        for (var i = 0; i < n; i++)
        {
            var tags = r.ReadString();
            var keys = r.ReadString();
            var props = r.ReadProperties();
            var born = r.ReadVarLong();
            var body = r.ReadBytes();
            msgs[i] = new StoredMessage(tags, keys, props, body, born);
        }
        return new MessagesAppended(baseOffset, storeTs, msgs);
    }

    private static void WriteBrokerIdentity(WireWriter w, BrokerIdentity b)
    {
        w.WriteString(b.ClusterName);
        w.WriteString(b.BrokerName);
        w.WriteVarLong(b.BrokerId);
        w.WriteString(b.Address);
    }

    private static BrokerIdentity ReadBrokerIdentity(ref WireReader r) =>
        new(r.ReadRequiredString(), r.ReadRequiredString(), r.ReadVarLong(), r.ReadRequiredString());

    private static void WriteTopicConfig(WireWriter w, TopicConfig t)
    {
        w.WriteString(t.TopicName);
        w.WriteVarInt(t.ReadQueueNums);
        w.WriteVarInt(t.WriteQueueNums);
        w.WriteVarInt(t.Perm);
    }

    private static TopicConfig ReadTopicConfig(ref WireReader r) =>
        new(r.ReadRequiredString(), r.ReadVarInt(), r.ReadVarInt(), r.ReadVarInt());

    private static void WriteTopicConfigs(WireWriter w, IReadOnlyList<TopicConfig> configs)
    {
        w.WriteLength(configs.Count);
        foreach (var t in configs) WriteTopicConfig(w, t);
    }

    private static TopicConfig[] ReadTopicConfigs(ref WireReader r)
    {
        var n = r.ReadLength();
        var list = new TopicConfig[n];
        for (var i = 0; i < n; i++) list[i] = ReadTopicConfig(ref r);
        return list;
    }

    private static RegisterBroker ReadRegisterBroker(ref WireReader r)
    {
        var broker = ReadBrokerIdentity(ref r);
        var topics = ReadTopicConfigs(ref r);
        return new RegisterBroker(broker, topics, r.ReadBool(), r.ReadVarInt());
    }

    private static void WriteRoute(WireWriter w, TopicRouteData route)
    {
        w.WriteLength(route.QueueDatas.Count);
        foreach (var q in route.QueueDatas)
        {
            w.WriteString(q.BrokerName);
            w.WriteVarInt(q.ReadQueueNums);
            w.WriteVarInt(q.WriteQueueNums);
            w.WriteVarInt(q.Perm);
        }
        w.WriteLength(route.BrokerDatas.Count);
        foreach (var b in route.BrokerDatas)
        {
            w.WriteString(b.Cluster);
            w.WriteString(b.BrokerName);
            w.WriteLength(b.BrokerAddrs.Count);
            foreach (var kv in b.BrokerAddrs)
            {
                w.WriteVarLong(kv.Key);
                w.WriteString(kv.Value);
            }
        }
    }

    private static RouteInfoReply ReadRouteInfoReply(ref WireReader r)
    {
        var topic = r.ReadRequiredString();
        var code = (ResponseCode)r.ReadVarInt();
        var error = r.ReadString();
        if (!r.ReadBool()) return new RouteInfoReply(topic, code, error, null);
        var nq = r.ReadLength();
        var queues = new QueueData[nq];
        for (var i = 0; i < nq; i++)
            queues[i] = new QueueData(r.ReadRequiredString(), r.ReadVarInt(), r.ReadVarInt(), r.ReadVarInt());
        var nb = r.ReadLength();
        var brokers = new BrokerData[nb];
        for (var i = 0; i < nb; i++)
        {
            var cluster = r.ReadRequiredString();
            var name = r.ReadRequiredString();
            var na = r.ReadLength();
            var addrs = new Dictionary<long, string>(na);
            for (var j = 0; j < na; j++) addrs[r.ReadVarLong()] = r.ReadRequiredString();
            brokers[i] = new BrokerData(cluster, name, addrs);
        }
        return new RouteInfoReply(topic, code, error, new TopicRouteData(queues, brokers));
    }

    private static BrokerClusterInfo ReadBrokerClusterInfo(ref WireReader r)
    {
        var n = r.ReadLength();
        var list = new BrokerRegistrationInfo[n];
        for (var i = 0; i < n; i++)
            list[i] = new BrokerRegistrationInfo(ReadBrokerIdentity(ref r), r.ReadVarLong(), r.ReadVarInt());
        return new BrokerClusterInfo(list);
    }

    private static UpdateTopicConfigReply ReadUpdateTopicConfigReply(ref WireReader r)
    {
        var broker = r.ReadRequiredString();
        var topic = r.ReadRequiredString();
        var config = r.ReadBool() ? ReadTopicConfig(ref r) : null;
        return new UpdateTopicConfigReply(broker, topic, config, (ResponseCode)r.ReadVarInt(), r.ReadString());
    }

    private static QueueLogSnapshot ReadQueueLogSnapshot(ref WireReader r)
    {
        var next = r.ReadVarLong();
        var min = r.ReadVarLong();
        var last = r.ReadVarLong();
        var stride = r.ReadVarInt();
        var n = r.ReadLength();
        var index = new QueueIndexEntry[n];
        for (var i = 0; i < n; i++) index[i] = new QueueIndexEntry(r.ReadVarLong(), r.ReadVarLong(), r.ReadVarLong());
        return new QueueLogSnapshot(next, min, last, stride, index);
    }

    private static void WriteOffsets(WireWriter w, IReadOnlyDictionary<int, long> offsets)
    {
        w.WriteLength(offsets.Count);
        foreach (var kv in offsets)
        {
            w.WriteVarInt(kv.Key);
            w.WriteVarLong(kv.Value);
        }
    }

    private static Dictionary<int, long> ReadOffsets(ref WireReader r)
    {
        var n = r.ReadLength();
        var d = new Dictionary<int, long>(n);
        for (var i = 0; i < n; i++) d[r.ReadVarInt()] = r.ReadVarLong();
        return d;
    }

    private static void WriteStrings(WireWriter w, IReadOnlyList<string> list)
    {
        w.WriteLength(list.Count);
        foreach (var s in list) w.WriteString(s);
    }

    private static string[] ReadStrings(ref WireReader r)
    {
        var n = r.ReadLength();
        var list = new string[n];
        for (var i = 0; i < n; i++) list[i] = r.ReadRequiredString();
        return list;
    }

    private static ConsumerHeartbeat ReadConsumerHeartbeat(ref WireReader r)
    {
        var broker = r.ReadRequiredString();
        var group = r.ReadRequiredString();
        var clientId = r.ReadRequiredString();
        var model = (MessageModel)r.ReadVarInt();
        var n = r.ReadLength();
        var subs = new SubscriptionData[n];
        for (var i = 0; i < n; i++) subs[i] = new SubscriptionData(r.ReadRequiredString(), r.ReadRequiredString());
        return new ConsumerHeartbeat(broker, group, clientId, model, subs);
    }

    private static object ReadLockBatch(ref WireReader r, bool unlock)
    {
        var broker = r.ReadRequiredString();
        var group = r.ReadRequiredString();
        var clientId = r.ReadRequiredString();
        var queues = ReadQueues(ref r);
        return unlock ? new UnlockBatchMQ(broker, group, clientId, queues) : new LockBatchMQ(broker, group, clientId, queues);
    }

    private static void WriteQueues(WireWriter w, IReadOnlyList<MessageQueue> queues)
    {
        w.WriteLength(queues.Count);
        foreach (var q in queues)
        {
            w.WriteString(q.Topic);
            w.WriteString(q.BrokerName);
            w.WriteVarInt(q.QueueId);
        }
    }

    private static MessageQueue[] ReadQueues(ref WireReader r)
    {
        var n = r.ReadLength();
        var list = new MessageQueue[n];
        for (var i = 0; i < n; i++) list[i] = new MessageQueue(r.ReadRequiredString(), r.ReadRequiredString(), r.ReadVarInt());
        return list;
    }

    private static ConsumerSendMsgBack ReadSendMsgBack(ref WireReader r)
    {
        var broker = r.ReadRequiredString();
        var group = r.ReadRequiredString();
        var correlation = r.ReadVarLong();
        var level = r.ReadVarInt();
        var max = r.ReadVarInt();
        var topic = r.ReadRequiredString();
        var msgBroker = r.ReadRequiredString();
        var queueId = r.ReadVarInt();
        var offset = r.ReadVarLong();
        var tags = r.ReadString();
        var keys = r.ReadString();
        var props = r.ReadProperties();
        var born = r.ReadVarLong();
        var store = r.ReadVarLong();
        var body = r.ReadBytes();
        return new ConsumerSendMsgBack(broker, group, correlation, new MessageExt(topic, msgBroker, queueId, offset, tags, keys, props, body, born, store), level, max);
    }

    private static ScheduleMessages ReadScheduleMessages(ref WireReader r)
    {
        var broker = r.ReadRequiredString();
        var n = r.ReadLength();
        var entries = new ScheduledEntry[n];
        for (var i = 0; i < n; i++)
        {
            var at = r.ReadVarLong();
            entries[i] = new ScheduledEntry(at, ReadSendEntry(ref r, null));
        }
        return new ScheduleMessages(broker, entries);
    }

    private static void WriteScheduled(WireWriter w, IReadOnlyList<ScheduledMessage> list)
    {
        w.WriteLength(list.Count);
        foreach (var x in list)
        {
            w.WriteVarLong(x.Id);
            w.WriteVarLong(x.DeliverAt);
            w.WriteString(x.Topic);
            w.WriteVarInt(x.QueueId);
            w.WriteVarLong(x.BornTimestamp);
            w.WriteString(x.Tags);
            w.WriteString(x.Keys);
            w.WriteProperties(x.Properties);
            w.WriteBytes(x.Body);
        }
    }

    private static ScheduledMessage[] ReadScheduled(ref WireReader r)
    {
        var n = r.ReadLength();
        var list = new ScheduledMessage[n];
        for (var i = 0; i < n; i++)
        {
            var id = r.ReadVarLong();
            var at = r.ReadVarLong();
            var topic = r.ReadRequiredString();
            var queueId = r.ReadVarInt();
            var born = r.ReadVarLong();
            var tags = r.ReadString();
            var keys = r.ReadString();
            var props = r.ReadProperties();
            var body = r.ReadBytes();
            list[i] = new ScheduledMessage(id, at, topic, queueId, born, tags, keys, props, body);
        }
        return list;
    }

    private static ScheduledMessagesDelivered ReadDelivered(ref WireReader r)
    {
        var n = r.ReadLength();
        var ids = new long[n];
        for (var i = 0; i < n; i++) ids[i] = r.ReadVarLong();
        return new ScheduledMessagesDelivered(ids);
    }
}
