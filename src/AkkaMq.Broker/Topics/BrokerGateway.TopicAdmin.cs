using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Admin;
using AkkaMq.Protocol.Broker;
using AkkaMq.Protocol.NameServer;

namespace AkkaMq.Broker;

/// <summary>
/// updateTopic and deleteTopic on the gateway: each goes to the group's topic table, and the
/// gateway's own copy and the NameServer's route follow the table's answer. UpdateTopicConfig is
/// cluster control (the NameServer's createTopic and auto-create send it): only members may send it.
/// </summary>
public sealed partial class BrokerGateway
{
    // Callers waiting per topic: the table answers the gateway, which answers them all.
    private readonly Dictionary<string, List<IActorRef>> _topicUpdateRequesters = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<IActorRef>> _topicDeleteRequesters = new(StringComparer.Ordinal);

    private void ServingTopicAdmin()
    {
        Receive<UpdateTopicConfig>(m =>
        {
            if (_validator.CheckBroker(m.BrokerName) is { } failure) { Reply(m, Sender, failure); return; }
            if (NonMemberRefusal(m) is { } refused)
            {
                _log.Warning("{0}: {1}", refused, m);
                Reply(m, Sender, ResponseCode.NoPermission, refused);
                return;
            }
            AddRequester(_topicUpdateRequesters, m.Config.TopicName);
            _region.Tell(m, Self);
        });
        Receive<UpdateTopicConfigReply>(m =>
        {
            if (m.Code == ResponseCode.Success && m.Config != null) _topics.Put(m.Topic, m.Config);
            if (_topicUpdateRequesters.Remove(m.Topic, out var list))
                foreach (var r in list) r.Tell(m);
            else if (m.Code == ResponseCode.Success)
                Register(); // a topic this gateway created itself (retry, DLQ): publish its route now
            else
            {
                _topics.Remove(m.Topic); // its own creation was refused (a heartbeat's retry topic past the cap): not served
                _log.Warning("Topic {0} not created on broker {1}: {2}", m.Topic, BrokerName, m.Error);
                Register(); // a registration since the optimistic entry may have published it
            }
        });
        Receive<DeleteTopicInBroker>(m =>
        {
            if (_validator.CheckBroker(m.BrokerName) is { } failure) { Reply(m, Sender, failure); return; }
            AddRequester(_topicDeleteRequesters, m.Topic);
            _topics.Remove(m.Topic); // sends stop now, not after the purge; a delete that never arrives is undone by the next refresh
            _region.Tell(m, Self);
        });
        Receive<DeleteTopicReply>(m =>
        {
            if (m.Code == ResponseCode.Success)
            {
                _topics.Remove(m.Topic); // before the requester hears: a scrape after the reply no longer shows it
                Register(); // the NameServer's copy of this group's topics is replaced by the new list
            }
            if (_topicDeleteRequesters.Remove(m.Topic, out var list))
                foreach (var r in list) r.Tell(m);
        });
    }

    /// <summary>Why Sender may not send cluster control here (a remote peer that is not a cluster member), or null.</summary>
    private string? NonMemberRefusal(object m)
    {
        var peer = Sender.Path.Address;
        // No sender: it arrives as this node's dead letters, local to look at, from anywhere.
        if (peer.HasLocalScope && !Sender.IsNobody()) return null;
        var member = Sender.IsNobody() ? null : Cluster.Get(Context.System).State.Members.FirstOrDefault(x => x.Address.Equals(peer));
        var standing = member == null || member.Status is MemberStatus.Down or MemberStatus.Removed ? PeerStanding.NotMember : PeerStanding.Member;
        return ClusterControl.Refusal(m.GetType().Name, peer.ToString(), standing, role: null);
    }

    private void AddRequester(Dictionary<string, List<IActorRef>> requesters, string topic)
    {
        if (!requesters.TryGetValue(topic, out var list)) requesters[topic] = list = new List<IActorRef>();
        list.Add(Sender);
    }
}
