using Akka.Actor;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Consumer;
using AkkaMq.Protocol.Transaction;

namespace AkkaMq.Client;

/// <summary>
/// RocketMQ's TransactionMQProducer: a local transaction and a message commit together. The message is stored as an
/// invisible half message, the listener's ExecuteLocalTransaction runs, and its decision goes to the broker (Commit makes
/// the message visible, Rollback discards it, Unknown leaves it to the check-back). A half message whose decision never
/// came (this process died, the answer was lost) is checked back with any live producer of the group by the
/// <see cref="TransactionCheckActor"/> each producer runs. A half message written to a broker is never sent again to
/// another one: a lost acknowledgement is settled by the check-back, not by a second copy.
/// </summary>
public sealed class AkkaMqTransactionProducer : IAkkaMqTransactionProducer, IAsyncDisposable
{
    private static int _instanceCounter;

    private readonly AkkaMqProducer _producer;
    private readonly ClientContext _context;
    private readonly IActorRef _checker;
    private readonly bool _ownsActors;

    private AkkaMqTransactionProducer(AkkaMqProducer producer, ClientContext context, IActorRef checker, string group, ITransactionListener listener,
        string clientId, bool ownsActors)
    {
        _producer = producer;
        _context = context;
        _checker = checker;
        ProducerGroup = group;
        Listener = listener;
        ClientId = clientId;
        _ownsActors = ownsActors;
    }

    /// <summary>
    /// Starts a transaction producer of producerGroup in the system: a producer actor for the half messages and the
    /// group member that answers check-backs with listener.
    /// </summary>
    /// <param name="ownsActors">False when the actors should live as long as the system (hosting): DisposeAsync then leaves them.</param>
    public static AkkaMqTransactionProducer Create(ActorSystem system, string producerGroup, ITransactionListener listener,
        ClientSettings? settings = null, IActorRef? nameServer = null, bool ownsActors = true)
    {
        if (Validators.CheckGroup(producerGroup) is { } error) throw new ArgumentException($"producer group: {error}", nameof(producerGroup));
        ArgumentNullException.ThrowIfNull(listener);
        settings ??= ClientSettings.Create(system.Settings.Config);
        settings = settings with { Producer = settings.Producer with { Group = producerGroup, SendsHeartbeats = false } };
        var host = ((ExtendedActorSystem)system).Provider.DefaultAddress.Host ?? "127.0.0.1";
        var clientId = $"{host}@{Environment.ProcessId}#{Interlocked.Increment(ref _instanceCounter)}";
        var name = $"tx-{Uri.EscapeDataString(producerGroup).Replace("%", "_")}-{Guid.NewGuid():N}";
        var producer = AkkaMqProducer.Create(system, settings, name + "-producer", nameServer);
        var context = new ClientContext(system, settings, nameServer);
        var checker = system.ActorOf(TransactionCheckActor.Props(context, producerGroup, clientId, listener), name + "-checker");
        return new AkkaMqTransactionProducer(producer, context, checker, producerGroup, listener, clientId, ownsActors);
    }

    public string ProducerGroup { get; }
    public ITransactionListener Listener { get; }

    /// <summary>How the brokers name this member of the producer group.</summary>
    public string ClientId { get; }

    /// <summary>
    /// Stores message as a half message, runs the listener's ExecuteLocalTransaction(message, arg) (a throw counts as
    /// Unknown), and tells the broker the decision. The result carries the transaction id and the local decision; after an
    /// acknowledged commit, MsgId, MessageQueue and QueueOffset name the committed message, else MsgId is the transaction id
    /// and QueueOffset -1. Throws when the half message was not stored: then no local transaction ran.
    /// </summary>
    public async Task<TransactionSendResult> SendMessageInTransactionAsync(Message message, object? arg = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Properties.ContainsKey(MessageConst.DelayTimeLevel) || message.Properties.ContainsKey(MessageConst.TimerDeliverMs))
            throw new AkkaMqException(ResponseCode.MessageIllegal,
                $"a transactional message cannot be delayed: remove {MessageConst.DelayTimeLevel} / {MessageConst.TimerDeliverMs}");
        var properties = new Dictionary<string, string>(message.Properties, StringComparer.Ordinal)
        {
            [TransactionConst.TransactionPrepared] = "true",
            [TransactionConst.ProducerGroup] = ProducerGroup,
        };
        var half = new Message(message.Topic, message.Body, message.Tags, message.Keys, properties);
        var sent = await _producer.SendHalfAsync(half, ct).ConfigureAwait(false);
        var broker = sent.MessageQueue.BrokerName;
        var transactionId = TransactionIds.Of(broker, sent.QueueOffset);

        LocalTransactionState state;
        if (sent.SendStatus != SendStatus.SendOk) state = LocalTransactionState.Rollback; // stored but not durable: RocketMQ rolls back
        else
        {
            try
            {
                state = await Listener.ExecuteLocalTransaction(message, arg).ConfigureAwait(false);
            }
            catch (Exception)
            {
                state = LocalTransactionState.Unknown;
            }
        }

        EndTransactionReply? reply = null;
        try
        {
            reply = await _context.AskBrokerAsync<EndTransactionReply>(message.Topic, broker,
                new EndTransaction(broker, ProducerGroup, message.Topic, transactionId, ToResolution(state), FromTransactionCheck: false), CancellationToken.None)
                .ConfigureAwait(false);
        }
        catch (Exception e) when (e is AkkaMqException or Akka.Actor.AskTimeoutException or TimeoutException or IOException)
        {
            // The decision did not arrive: the half message stays pending and the check-back asks the group.
        }
        if (state == LocalTransactionState.Commit && reply is { Code: ResponseCode.Success, QueueOffset: >= 0 })
        {
            var queue = new MessageQueue(message.Topic, broker, reply.QueueId);
            return new TransactionSendResult(sent.SendStatus, MessageId.Encode(broker, message.Topic, reply.QueueId, reply.QueueOffset), queue,
                reply.QueueOffset, transactionId, state);
        }
        return new TransactionSendResult(sent.SendStatus, transactionId, sent.MessageQueue, -1, transactionId, state);
    }

    internal static TransactionResolution ToResolution(LocalTransactionState state) => state switch
    {
        LocalTransactionState.Commit => TransactionResolution.Commit,
        LocalTransactionState.Rollback => TransactionResolution.Rollback,
        _ => TransactionResolution.Unknown,
    };

    public async ValueTask DisposeAsync()
    {
        if (!_ownsActors) return;
        await _checker.GracefulStop(TimeSpan.FromSeconds(5));
        await _producer.DisposeAsync();
    }
}
