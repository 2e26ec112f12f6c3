using Akka.Actor;
using Akka.Serialization;
using AkkaMq.Protocol.Store;

namespace AkkaMq.Protocol.Tests;

/// <summary>
/// Akka's JSON fallback serializes local envelopes holding our events (with serialize-messages on,
/// as every test runs): a topic config's attribute map must survive it.
/// </summary>
public sealed class TopicAttributesJsonTests : IDisposable
{
    private readonly ActorSystem _system = ActorSystem.Create("json-fallback");

    public void Dispose() => _system.Dispose();

    [Fact]
    public void A_topic_config_round_trips_through_akkas_json_serializer_with_and_without_attributes()
    {
        var json = new NewtonSoftJsonSerializer((ExtendedActorSystem)_system);
        var plain = TopicConfig.Create("Plain");
        var attributed = TopicConfig.Create("Attributed") with
        {
            Attributes = new Dictionary<string, string> { ["retention.time"] = "10m", ["message.type"] = "FIFO" },
        };
        foreach (var config in new[] { plain, attributed })
        {
            var back = (TopicConfigChanged)json.FromBinary(json.ToBinary(new TopicConfigChanged(config)), typeof(TopicConfigChanged));
            Assert.Equal(config, back.Config);
            Assert.Equal(config.RetentionTime, back.Config.RetentionTime);
        }
    }
}
