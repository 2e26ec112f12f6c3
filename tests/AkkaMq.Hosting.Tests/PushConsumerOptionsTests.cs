using AkkaMq.Client.Consumer;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Consumer;

namespace AkkaMq.Hosting.Tests;

public sealed class PushConsumerOptionsTests
{
    private static readonly PushConsumerSettings Defaults = PushConsumerSettings.Create(Akka.Configuration.Config.Empty);

    [Fact]
    public void Default_options_keep_every_HOCON_setting() =>
        Assert.Equal(Defaults, new AkkaMqPushConsumerOptions().ApplyTo(Defaults));

    [Fact]
    public void Set_options_override_only_their_own_settings()
    {
        var applied = new AkkaMqPushConsumerOptions
        {
            MessageModel = MessageModel.Broadcasting,
            ConsumeFromWhere = ConsumeFromWhere.ConsumeFromFirstOffset,
            ConsumeThreadMax = 3,
            ConsumeTimeout = TimeSpan.FromSeconds(7),
        }.ApplyTo(Defaults);

        Assert.Equal(Defaults with
        {
            MessageModel = MessageModel.Broadcasting,
            ConsumeFromWhere = ConsumeFromWhere.ConsumeFromFirstOffset,
            ConsumeThreadMax = 3,
            ConsumeTimeout = TimeSpan.FromSeconds(7),
        }, applied);
        Assert.NotEqual(Defaults.MessageModel, applied.MessageModel);
    }
}
