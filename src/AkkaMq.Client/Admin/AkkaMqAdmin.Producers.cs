using AkkaMq.Protocol;
using AkkaMq.Protocol.Broker;

namespace AkkaMq.Client.Admin;

// producerConnection: the live producers of a group, native and gRPC.
public sealed partial class AkkaMqAdmin
{
    /// <summary>
    /// producerConnection (mqadmin's): the live producers of group as each broker group of topic's route knows them,
    /// merged per client id. gRPC producers are registered under each topic they publish to, so their group is the topic.
    /// A group with no live producer anywhere is "not online".
    /// </summary>
    public async Task<ProducerConnection> ProducerConnectionAsync(string group, string topic, CancellationToken ct = default)
    {
        if (Validators.CheckGroup(group) is { } groupError) throw new AkkaMqException(ResponseCode.MessageIllegal, $"producer group: {groupError}");
        if (Validators.CheckTopic(topic) is { } topicError) throw new AkkaMqException(ResponseCode.MessageIllegal, topicError);
        var brokers = (await RouteAsync(topic, ct)).QueueDatas.Select(q => q.BrokerName).Distinct().OrderBy(b => b, StringComparer.Ordinal).ToList();
        var answers = await Task.WhenAll(brokers.Select(async broker =>
        {
            try
            {
                var reply = await Context.AskBrokerAsync<ProducerConnectionInfo>(topic, broker, new GetProducerConnection(broker, group), ct);
                return (Broker: broker, Reply: reply, Error: reply.Code == ResponseCode.Success ? null : $"broker '{broker}': {reply.Error}");
            }
            catch (AkkaMqException e)
            {
                return (Broker: broker, Reply: (ProducerConnectionInfo?)null, Error: $"broker '{broker}': {e.Message}");
            }
        }));
        var errors = answers.Where(a => a.Error != null).Select(a => a.Error!).ToList();
        var rows = answers.Where(a => a.Reply is { Code: ResponseCode.Success })
            .SelectMany(a => a.Reply!.Connections.Select(c => (a.Broker, Conn: c)))
            .GroupBy(x => x.Conn.ClientId, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g =>
            {
                var latest = g.OrderByDescending(x => x.Conn.LastHeartbeat).First().Conn;
                return new ProducerConnectionRow(g.Key, latest.Channel.Address, latest.Channel.Language, latest.Channel.Version, latest.LastHeartbeat,
                    g.Select(x => x.Broker).Distinct().ToList());
            }).ToList();
        if (rows.Count == 0)
            throw new AkkaMqException(ResponseCode.QueryNotFound, errors.Count == 0
                ? $"the producer group '{group}' is not online on topic '{topic}' (no broker of the topic knows a live producer of it)"
                : $"the producer group '{group}' is not online on the brokers that answered; {string.Join("; ", errors)}");
        return new ProducerConnection(group, topic, rows, errors);
    }
}
