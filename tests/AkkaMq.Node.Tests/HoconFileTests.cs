using Akka.Configuration;
using AkkaMq.Hosting;

namespace AkkaMq.Node.Tests;

/// <summary>Node files with includes: read relative to the including file, and every fault named.</summary>
public sealed class HoconFileTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "akkamq-hocon-" + Guid.NewGuid().ToString("N"));

    public HoconFileTests() => Directory.CreateDirectory(Path.Combine(_dir, "nodes"));

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private string Write(string relative, string text)
    {
        var path = Path.Combine(_dir, relative);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Includes_are_read_relative_to_the_including_file_and_the_including_file_wins()
    {
        Write("common.conf", "akkamq.broker { brokerClusterName = Shared, flushDiskType = SYNC_FLUSH }");
        Write("nodes/base.conf", "include \"../common.conf\"\nakkamq.broker { brokerName = broker-b, listenPort = 10911 }");
        var node = Write("nodes/node-1.conf", "include \"base.conf\"\nakkamq.broker.listenPort = 10921");

        // Read from another working directory, as a service manager would.
        var config = HoconFile.Load(Path.GetRelativePath(Directory.GetCurrentDirectory(), node));

        Assert.Equal("Shared", config.GetString("akkamq.broker.brokerClusterName"));
        Assert.Equal("SYNC_FLUSH", config.GetString("akkamq.broker.flushDiskType"));
        Assert.Equal("broker-b", config.GetString("akkamq.broker.brokerName"));
        Assert.Equal(10921, config.GetInt("akkamq.broker.listenPort"));
    }

    [Fact]
    public void A_missing_include_names_the_file_and_who_includes_it()
    {
        var node = Write("nodes/node-1.conf", "include \"nowhere.conf\"\nakkamq.broker.listenPort = 10921");
        var e = Assert.Throws<ConfigurationException>(() => HoconFile.Load(node));
        Assert.Contains("nowhere.conf", e.Message);
        Assert.Contains(node, e.Message);
    }

    [Fact]
    public void A_file_that_includes_itself_is_refused()
    {
        var loop = Write("loop.conf", "include \"loop.conf\"\na = 1");
        var e = Assert.Throws<ConfigurationException>(() => HoconFile.Load(loop));
        Assert.Contains("does a file include itself", e.Message);
    }

    [Theory]
    [InlineData("include file(\"base.conf\")")]
    [InlineData("include required(\"base.conf\")")]
    [InlineData("  include classpath(\"base.conf\")")]
    public void Include_forms_the_parser_would_misread_are_refused(string line)
    {
        Write("base.conf", "a = 1");
        var node = Write("node.conf", line + "\nb = 2");
        var e = Assert.Throws<ConfigurationException>(() => HoconFile.Load(node));
        Assert.Contains("is not supported; write include \"path\"", e.Message);
    }
}
