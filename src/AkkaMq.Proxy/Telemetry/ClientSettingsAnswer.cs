using Google.Protobuf.WellKnownTypes;
using V2 = Apache.Rocketmq.V2;

namespace AkkaMq.Proxy.Telemetry;

/// <summary>
/// The Settings the endpoint writes back on a client's Telemetry stream (RocketMQ's GrpcClientSettingsManager).
/// The clients wait for them at start: a producer needs an exponential backoff policy, max_body_size and
/// validate_message_type; a consumer its fifo flag, batch size, long-polling time and max attempts.
/// </summary>
public sealed class ClientSettingsAnswer
{
    private readonly ProxySettings _settings;
    private readonly int _maxBodySize;

    /// <param name="maxBodySize">The broker's maxMessageSize.</param>
    public ClientSettingsAnswer(ProxySettings settings, int maxBodySize)
    {
        _settings = settings;
        _maxBodySize = maxBodySize;
    }

    /// <summary>The answer to the client's Settings: OK with settings, or BAD_REQUEST naming what is missing.</summary>
    /// <param name="group">A consumer's subscription group config, when known: fifo is its consumeMessageOrderly, max attempts its retryMaxTimes + 1.</param>
    public V2.TelemetryCommand Answer(V2.Settings client, AkkaMq.Protocol.Admin.SubscriptionGroupConfig? group = null)
    {
        var settings = client.Clone();
        switch (client.PubSubCase)
        {
            case V2.Settings.PubSubOneofCase.Publishing:
                settings.BackoffPolicy = Backoff(_settings.ProducerMaxAttempts, TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(1));
                settings.Publishing.MaxBodySize = _maxBodySize;
                settings.Publishing.ValidateMessageType = true;
                break;
            case V2.Settings.PubSubOneofCase.Subscription:
                settings.BackoffPolicy = Backoff(group is { } g ? g.RetryMaxTimes + 1 : _settings.ConsumerMaxAttempts,
                    TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60));
                settings.Subscription.Fifo = group?.ConsumeMessageOrderly ?? false;
                settings.Subscription.ReceiveBatchSize = _settings.ReceiveBatchSize;
                settings.Subscription.LongPollingTimeout = Duration.FromTimeSpan(_settings.LongPollingTimeout);
                break;
            default:
                return new V2.TelemetryCommand
                {
                    Status = ProxyStatus.Of(V2.Code.BadRequest,
                        $"Settings of client type {client.ClientType} carry neither publishing nor subscription"),
                };
        }
        return new V2.TelemetryCommand { Status = ProxyStatus.Ok(), Settings = settings };
    }

    private static V2.RetryPolicy Backoff(int maxAttempts, TimeSpan initial, TimeSpan max) => new()
    {
        MaxAttempts = maxAttempts,
        ExponentialBackoff = new V2.ExponentialBackoff
        {
            Initial = Duration.FromTimeSpan(initial),
            Max = Duration.FromTimeSpan(max),
            Multiplier = 2,
        },
    };
}
