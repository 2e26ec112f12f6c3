using System.Globalization;
using System.Security.Cryptography;
using AkkaMq.Protocol.Consumer;
using AkkaMq.Proxy.Producer;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using V2 = Apache.Rocketmq.V2;

namespace AkkaMq.Proxy.Consumer;

/// <summary>
/// A popped AkkaMq message as the v2 message a client receives: SendMessage's property mapping reversed (UNIQ_KEY is the
/// client's message id, __SHARDINGKEY the message group, TIMER_DELIVER_MS the delivery timestamp), plus what the clients
/// verify or need to ack: the MD5 body digest, the receipt handle and the delivery attempt.
/// </summary>
public static class ReceivedMessage
{
    public static V2.Message ToV2(PoppedMessage popped, string storeHost, TimeSpan invisible)
    {
        var message = ToV2(popped.Message, storeHost);
        var sys = message.SystemProperties;
        sys.ReceiptHandle = popped.ReceiptHandle;
        sys.DeliveryAttempt = popped.DeliveryAttempt;
        sys.InvisibleDuration = Duration.FromTimeSpan(invisible);
        return message;
    }

    /// <summary>A stored message as a v2 message, without what only a receive adds (receipt handle, attempt, invisible time).</summary>
    public static V2.Message ToV2(AkkaMq.Protocol.MessageExt m, string storeHost)
    {
        var properties = m.Properties;
        var sys = new V2.SystemProperties
        {
            MessageId = properties.GetValueOrDefault(MessageProperties.UniqKey) ?? m.MsgId,
            BodyDigest = new V2.Digest { Type = V2.DigestType.Md5, Checksum = Convert.ToHexString(MD5.HashData(m.Body)) },
            BodyEncoding = V2.Encoding.Identity,
            BornTimestamp = Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(m.BornTimestamp)),
            BornHost = properties.GetValueOrDefault(MessageProperties.BornHost) ?? "",
            StoreTimestamp = Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(m.StoreTimestamp)),
            StoreHost = storeHost,
            QueueId = m.QueueId,
            QueueOffset = m.QueueOffset,
            MessageType = V2.MessageType.Normal,
        };
        if (m.Tags != null) sys.Tag = m.Tags;
        if (!string.IsNullOrEmpty(m.Keys)) sys.Keys.AddRange(m.Keys.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        if (properties.GetValueOrDefault(MessageProperties.MessageGroup) is { } group)
        {
            sys.MessageGroup = group;
            sys.MessageType = V2.MessageType.Fifo;
        }
        if (properties.GetValueOrDefault(MessageConst.TimerDeliverMs) is { } at
            && long.TryParse(at, NumberStyles.Integer, CultureInfo.InvariantCulture, out var atMillis))
        {
            sys.DeliveryTimestamp = Timestamp.FromDateTimeOffset(DateTimeOffset.FromUnixTimeMilliseconds(atMillis));
            sys.MessageType = V2.MessageType.Delay;
        }
        var message = new V2.Message { Topic = new V2.Resource { Name = m.Topic }, SystemProperties = sys, Body = ByteString.CopyFrom(m.Body) };
        foreach (var (k, v) in properties)
            if (!MessageProperties.Reserved.Contains(k)) message.UserProperties[k] = v;
        return message;
    }
}
