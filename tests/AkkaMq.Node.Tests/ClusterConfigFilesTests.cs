using Akka.Configuration;
using AkkaMq.Hosting;
using AkkaMq.TestKit;

namespace AkkaMq.Node.Tests;

/// <summary>The hocon/cluster node files: each reads the shared failure handling from base.conf and keeps its own identity.</summary>
public sealed class ClusterConfigFilesTests
{
    private static Config Load(string name) => HoconFile.Load(Path.Combine(NodeProcess.RepoRoot(), "hocon", "cluster", name + ".conf"));

    [Theory]
    [InlineData("namesrv-1")]
    [InlineData("namesrv-2")]
    [InlineData("broker-a-master")]
    [InlineData("broker-a-slave")]
    [InlineData("broker-b-master")]
    public void Every_node_file_gets_the_shared_failure_handling(string name)
    {
        var c = Load(name);
        Assert.Equal(TimeSpan.FromMilliseconds(500), c.GetTimeSpan("akka.cluster.failure-detector.heartbeat-interval"));
        Assert.Equal(TimeSpan.FromSeconds(2), c.GetTimeSpan("akka.cluster.failure-detector.acceptable-heartbeat-pause"));
        Assert.Equal("keep-majority", c.GetString("akka.cluster.split-brain-resolver.active-strategy"));
        Assert.Equal(TimeSpan.FromSeconds(2), c.GetTimeSpan("akka.cluster.split-brain-resolver.stable-after"));
        Assert.Equal(TimeSpan.FromMilliseconds(500), c.GetTimeSpan("akka.cluster.down-removal-margin"));
        Assert.Equal(TimeSpan.FromMilliseconds(500), c.GetTimeSpan("akka.cluster.sharding.retry-interval"));
        Assert.Equal(TimeSpan.FromSeconds(10), c.GetTimeSpan("akka.cluster.sharding.rebalance-interval"));
        Assert.Equal(TimeSpan.FromSeconds(1), c.GetTimeSpan("akka.remote.retry-gate-closed-for"));
        Assert.Equal(TimeSpan.FromSeconds(5), c.GetTimeSpan("akka.remote.watch-failure-detector.acceptable-heartbeat-pause"));
        Assert.Equal("127.0.0.1:9876;127.0.0.1:9877", c.GetString("akkamq.broker.namesrvAddr"));
        // ...and the node accepts the file (the connection string stands in for the environment variable).
        NodeSettings.Create(ConfigurationFactory.ParseString("akkamq.store { connection-string-env = \"\", connection-string = \"Host=127.0.0.1\" }").WithFallback(c));
    }

    [Theory]
    [InlineData("broker-a-master", "broker-a", 0, 10911, "./data/broker-a-0")]
    [InlineData("broker-a-slave", "broker-a", 1, 10921, "./data/broker-a-1")]
    [InlineData("broker-b-master", "broker-b", 0, 10931, "./data/broker-b-0")]
    public void Each_broker_file_keeps_its_identity_and_the_shared_journal(string name, string brokerName, int brokerId, int port, string dataDir)
    {
        var c = Load(name);
        Assert.Equal(["broker"], c.GetStringList("akkamq.node.roles"));
        Assert.Equal(brokerName, c.GetString("akkamq.broker.brokerName"));
        Assert.Equal(brokerId, c.GetInt("akkamq.broker.brokerId"));
        Assert.Equal(port, c.GetInt("akkamq.broker.listenPort"));
        Assert.Equal("postgresql", c.GetString("akkamq.store.journal"));
        Assert.Equal("AKKAMQ_PG_CONNECTION", c.GetString("akkamq.store.connection-string-env"));
        Assert.Equal(dataDir, c.GetString("akkamq.store.data-dir"));
    }

    [Theory]
    [InlineData("namesrv-1", 9876)]
    [InlineData("namesrv-2", 9877)]
    public void Each_nameserver_file_keeps_its_port(string name, int port)
    {
        var c = Load(name);
        Assert.Equal(["nameserver"], c.GetStringList("akkamq.node.roles"));
        Assert.Equal(port, c.GetInt("akkamq.namesrv.listenPort"));
    }
}
