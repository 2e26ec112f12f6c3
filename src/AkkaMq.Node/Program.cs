using Akka.Actor;
using Akka.Configuration;
using Akka.Hosting;
using AkkaMq.Broker.Gateway;
using AkkaMq.Broker.Store;
using AkkaMq.Hosting;
using AkkaMq.Hosting.Http;
using AkkaMq.Protocol.Remoting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// akkamq-node: runs the roles its HOCON file names. A thin wrapper over AkkaMq.Hosting.
var configPath = "hocon/standalone.conf";
for (var i = 0; i < args.Length; i++)
{
    if (args[i] is "--config" or "-c" && i + 1 < args.Length) configPath = args[++i];
    else if (args[i] is "--help" or "-h")
    {
        Console.WriteLine("usage: akkamq-node [--config FILE]   (default hocon/standalone.conf)");
        return 0;
    }
    else
    {
        Console.Error.WriteLine($"akkamq-node: unknown argument '{args[i]}' (usage: akkamq-node [--config FILE])");
        return 2;
    }
}

// Relative to the working directory first, then to the installed hocon/ folder.
if (!File.Exists(configPath) && !Path.IsPathRooted(configPath) && File.Exists(Path.Combine(AppContext.BaseDirectory, configPath)))
    configPath = Path.Combine(AppContext.BaseDirectory, configPath);
if (!File.Exists(configPath))
{
    Console.Error.WriteLine($"akkamq-node: config file {configPath} not found");
    return 2;
}

Config fileConfig;
NodeSettings settings;
try
{
    fileConfig = HoconFile.Load(configPath);
    settings = NodeSettings.Create(fileConfig);
    NodeHttpSettings.Create(fileConfig);
    AkkaMq.Proxy.ProxySettings.Create(fileConfig);
    AkkaMq.Auth.AuthSettings.Create(fileConfig);
    AkkaMq.Hosting.ClusterTls.Setup(fileConfig);
}
catch (Exception e) when (e is ConfigurationException or FormatException or ArgumentException or InvalidOperationException)
{
    Console.Error.WriteLine($"akkamq-node: configuration error in {configPath}: {e.Message}");
    return 2;
}

DataDirectoryLock? dataLock = null;
try
{
    if (settings.Store is { Journal: "sqlite", ConnectionString: "" } store) dataLock = DataDirectoryLock.Acquire(store.DataDir);
    // Checked here, under the lock and before the host starts, so a foreign journal is one line on stderr.
    if (settings.Broker is { } b) JournalSetup.Create(settings.Store!, b.FlushDiskType).ClaimFor(b.BrokerClusterName, b.BrokerName);
}
catch (Exception e) when (e is IOException or JournalClaimException)
{
    Console.Error.WriteLine($"akkamq-node: {e.Message}");
    dataLock?.Dispose();
    return 2;
}

// HOCON is the node's only configuration. The host's defaults (appsettings, environment) would also
// watch the working directory recursively for appsettings changes, and every journal write under
// ./data would then cost an inotify event and a wake-up of the watcher thread.
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
builder.Logging.AddConsole().SetMinimumLevel(LogLevel.Warning);
ActorSystem? started = null;
builder.Services.AddAkka(settings.SystemName, (akka, _) =>
{
    akka.WithAkkaMqNode(fileConfig, (system, s, journal) =>
    {
        started = system;
        Console.WriteLine(AkkaMqNode.Describe(system, s, journal));
        if (s.Store is { Journal: "sqlite" } st) Console.WriteLine($"AkkaMq data directory: {Path.GetFullPath(st.DataDir)}");
    });
});
builder.Services.AddAkkaMqNodeHttp(fileConfig);
builder.Services.AddAkkaMqGrpcEndpoint(fileConfig);
using var host = builder.Build();
try
{
    await host.RunAsync();
}
catch (NodeHttpBindException e)
{
    Console.Error.WriteLine($"akkamq-node: {e.Message}");
    dataLock?.Dispose();
    return 2;
}
catch (Exception e) when (Find<DataChannelBindException>(e) is { } bind)
{
    // Thrown while the broker starts, from inside Akka.Hosting's start-up.
    Console.Error.WriteLine($"akkamq-node: {bind.Message}");
    dataLock?.Dispose();
    return 2;
}
// Exit code 3: another live node holds this broker identity (code 2 is a node that could not start).
if (started != null && CoordinatedShutdown.Get(started).ShutdownReason is BrokerIdentityRefused refused)
{
    Console.Error.WriteLine($"akkamq-node: {refused.Message}");
    dataLock?.Dispose();
    return refused.ExitCode;
}
Console.WriteLine("AkkaMq node stopped");
dataLock?.Dispose();
return 0;

static T? Find<T>(Exception? e) where T : Exception
{
    for (; e != null; e = e.InnerException)
    {
        if (e is T found) return found;
        if (e is AggregateException { InnerExceptions.Count: 1 } a) return Find<T>(a.InnerExceptions[0]);
    }
    return null;
}
