using AkkaMq.TestKit;

namespace AkkaMq.Node.Tests;

/// <summary>The README's example works: run against an in-process node, the consumer gets what the producer sent.</summary>
public sealed class ReadmeExampleTests
{
    [Fact]
    public async Task The_readme_example_sends_a_message_and_the_push_consumer_receives_it()
    {
        await using var node = AkkaMqTestNode.StartStandalone();
        await node.WaitUntilReadyAsync();

        var body = await ReadmeExample.SendAndConsumeAsync(node.Address);

        Assert.Equal("{\"id\":42}", body);
    }
}
