using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Serialization;

namespace AkkaMq.Protocol.Serialization;

/// <summary>
/// The one serializer for AkkaMq's wire messages and persisted events. Hand-written binary:
/// bodies are copied, never re-encoded. Manifests are short and never reused; persisted formats
/// carry a version digit and stay readable forever.
/// One partial file per area, named by the manifest's first letter: B Broker, N NameServer,
/// C Consumer groups, A Admin, S persisted Store events and snapshots (subscription groups: AG.., SG.. in their own file), P POP consumption, U users, ACLs and signed requests. In each file a message's
/// writer stands right before its reader.
/// </summary>
public sealed partial class AkkaMqSerializer : SerializerWithStringManifest
{
    public const int SerializerId = 8401;

    [ThreadStatic] private static WireWriter? _writer;

    // Set in client systems with akkamq.client.access-key: their requests leave signed (Auth/RequestSignature.cs).
    private readonly Auth.RequestSigner? _signer;

    public AkkaMqSerializer(ExtendedActorSystem system) : base(system) => _signer = ClientSigner(system);

    /// <summary>
    /// Native clients sign at the serialization boundary, so every request that leaves the client for a
    /// gateway carries its credentials whatever path sent it. Cluster members trust each other and never sign.
    /// </summary>
    private static Auth.RequestSigner? ClientSigner(ExtendedActorSystem system)
    {
        var config = system.Settings.Config;
        var accessKey = config.GetString("akkamq.client.access-key", "");
        if (string.IsNullOrEmpty(accessKey) || system.Settings.ProviderClass.Contains("Cluster", StringComparison.Ordinal)) return null;
        return new Auth.RequestSigner(accessKey, config.GetString("akkamq.client.secret-key", "") ?? "");
    }

    private bool Signs(object o) => _signer != null && Auth.ClientRequests.Is(o);

    public override int Identifier => SerializerId;

    // Broker first: sends and pulls are the hot path.
    public override string Manifest(object o) => Signs(o) ? SignedRequestManifest : ManifestOf(o) ?? throw new ArgumentException($"AkkaMqSerializer cannot serialize {o.GetType()}");

    private static string? ManifestOf(object o) =>
        BrokerManifest(o) ?? StoreManifest(o) ?? NameServerManifest(o) ?? ConsumerManifest(o) ?? AdminManifest(o) ?? SubscriptionGroupManifest(o) ?? PopManifest(o)
        ?? TransactionManifest(o)
        ?? ClientsManifest(o)
        ?? AuthManifest(o);

    public override byte[] ToBinary(object obj)
    {
        if (Signs(obj)) obj = _signer!.Sign(obj);
        var w = _writer ??= new WireWriter(4096);
        w.Reset();
        try
        {
            if (!WriteAny(w, obj)) throw new ArgumentException($"AkkaMqSerializer cannot serialize {obj.GetType()}");
            return w.ToArray();
        }
        finally
        {
            // Don't let one huge message pin a large buffer to the thread: it goes back to the shared pool.
            if (w.Capacity > 1 << 20) w.Release();
        }
    }

    private static bool WriteAny(WireWriter w, object obj) =>
        WriteBroker(w, obj) || WriteStore(w, obj) || WriteNameServer(w, obj) || WriteConsumer(w, obj) || WriteAdmin(w, obj)
        || WriteSubscriptionGroup(w, obj)
        || WritePop(w, obj)
        || WriteTransaction(w, obj)
        || WriteClients(w, obj)
        || WriteAuth(w, obj);

    public override object FromBinary(byte[] bytes, string manifest) => ReadAny(bytes, manifest);

    private static object ReadAny(ReadOnlySpan<byte> bytes, string manifest)
    {
        var r = new WireReader(bytes);
        var result = (manifest.Length == 0 ? null : manifest[0] switch
        {
            'B' => ReadBroker(manifest, ref r),
            'S' => ReadStore(manifest, ref r) ?? ReadSubscriptionGroup(manifest, ref r),
            'N' => ReadNameServer(manifest, ref r),
            'C' => ReadConsumer(manifest, ref r) ?? ReadClients(manifest, ref r),
            'A' => ReadAdmin(manifest, ref r) ?? ReadSubscriptionGroup(manifest, ref r) ?? ReadClients(manifest, ref r),
            'P' => ReadPop(manifest, ref r),
            'T' => ReadTransaction(manifest, ref r),
            'U' => ReadAuth(manifest, ref r),
            _ => null,
        }) ?? throw new SerializationException($"AkkaMqSerializer: unknown manifest '{manifest}'");
        if (!r.AtEnd) throw new SerializationException($"AkkaMqSerializer: trailing bytes after '{manifest}' payload");
        return result;
    }
}
