using Akka.Actor;
using Akka.Configuration;
using AkkaMq.Client;
using AkkaMq.Protocol;
using AkkaMq.Protocol.NameServer;

namespace AkkaMq.Cli.Common;

/// <summary>
/// The client side of every command that talks to a cluster: an ActorSystem with remoting on
/// 127.0.0.1 (random port) pointed at the NameServer(s), its <see cref="ClientContext"/>, and a
/// reachability check that turns "no NameServer answers" into one clear error.
/// </summary>
public sealed class ClientSystem : IAsyncDisposable
{
    private ClientSystem(ActorSystem system, ClientSettings settings, string namesrvAddr)
    {
        System = system;
        Settings = settings;
        NamesrvAddr = namesrvAddr;
        Context = new ClientContext(system, settings);
    }

    public ActorSystem System { get; }
    public ClientSettings Settings { get; }
    public ClientContext Context { get; }
    public string NamesrvAddr { get; }

    /// <summary>Client config: remote provider on 127.0.0.1:0, namesrvAddr, Akka logs on stderr (ERROR unless verbose).</summary>
    public static Config ConfigFor(string namesrvAddr, bool verbose = false, string? extraHocon = null) =>
        ConfigurationFactory.ParseString(extraHocon ?? "")
            .WithFallback(ConfigurationFactory.ParseString($$"""
                akka.loglevel = {{(verbose ? "WARNING" : "ERROR")}}
                akka.stdout-loglevel = {{(verbose ? "WARNING" : "ERROR")}}
                akka.loggers = ["{{typeof(StderrLogger).FullName}}, {{typeof(StderrLogger).Assembly.GetName().Name}}"]
                akka.log-dead-letters = off
                akka.log-dead-letters-during-shutdown = off
                akka.remote.log-remote-lifecycle-events = {{(verbose ? "on" : "off")}}
                akka.actor.provider = remote
                akka.remote.dot-netty.tcp.hostname = "127.0.0.1"
                akka.remote.dot-netty.tcp.port = 0
                akka.coordinated-shutdown.run-by-clr-shutdown-hook = off
                akkamq.client.namesrvAddr = "{{namesrvAddr}}"
                """))
            .WithFallback(ClientSettings.DefaultConfig);

    public static ClientSystem Create(string namesrvAddr, bool verbose = false, string? extraHocon = null, string systemName = "akkamq-cli")
    {
        Config config;
        ClientSettings settings;
        try
        {
            config = ConfigFor(namesrvAddr, verbose, extraHocon);
            settings = ClientSettings.Create(config);
        }
        catch (ConfigurationException e)
        {
            throw new CliException(e.Message, 2);
        }
        var system = ActorSystem.Create(systemName, config);
        return new ClientSystem(system, settings, namesrvAddr);
    }

    /// <summary>
    /// Asks the NameServer for the broker list; fails with one clear line when it does not answer,
    /// and waits (up to brokerWait) for at least one broker to be registered.
    /// </summary>
    public async Task<BrokerClusterInfo> EnsureNameServerAsync(TimeSpan brokerWait, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + brokerWait;
        while (true)
        {
            BrokerClusterInfo info;
            try
            {
                info = await Context.AskNameServerAsync<BrokerClusterInfo>(GetBrokerClusterInfo.Instance, ct);
            }
            catch (AkkaMqException e) when (e.Code == ResponseCode.ServiceNotAvailable)
            {
                throw new CliException($"cannot reach the NameServer at {NamesrvAddr} (no answer within " +
                                       $"{Settings.RequestTimeout.TotalSeconds:0.#} s); is a node running there? (-n host:port, or --start-node)");
            }
            if (info.Brokers.Count > 0) return info;
            if (DateTime.UtcNow >= deadline)
                throw new CliException($"the NameServer at {NamesrvAddr} answers but no broker is registered with it");
            await Task.Delay(250, ct);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await System.Terminate().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
        }
    }
}
