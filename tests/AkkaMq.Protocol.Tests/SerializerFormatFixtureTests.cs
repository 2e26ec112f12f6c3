using AkkaMq.Protocol.Serialization;

namespace AkkaMq.Protocol.Tests;

/// <summary>
/// Bytes written by the serializer at commit 5a1ab64 (Fixtures/serializer-5a1ab64.txt) still read back as the
/// same samples, and the samples still serialize to exactly those bytes: the wire and persisted formats did not move.
/// </summary>
public sealed class SerializerFormatFixtureTests : IClassFixture<SerializerFixture>
{
    private const string FixtureFile = "serializer-5a1ab64.txt";
    private readonly SerializerFixture _fx;

    public SerializerFormatFixtureTests(SerializerFixture fx) => _fx = fx;

    private sealed record Entry(string Name, int SerializerId, string Manifest, byte[] Bytes);

    private static readonly Lazy<Dictionary<string, Entry>> Entries = new(() =>
        File.ReadLines(Path.Combine(AppContext.BaseDirectory, "Fixtures", FixtureFile))
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split(' '))
            .Select(p => new Entry(p[0], int.Parse(p[1]), p[2], Convert.FromBase64String(p[3])))
            .ToDictionary(e => e.Name));

    public static IEnumerable<object[]> Names => Entries.Value.Keys.Select(k => new object[] { k });

    private static object Sample(string name) =>
        Samples.All.TryGetValue(name, out var make) ? make() : AdminSamples.All[name]();

    [Theory]
    [MemberData(nameof(Names))]
    public void Fixture_bytes_read_back_as_the_sample(string name)
    {
        var e = Entries.Value[name];
        Assert.Equal(AkkaMqSerializer.SerializerId, e.SerializerId);
        var back = _fx.Serializer.FromBinary(e.Bytes, e.Manifest);
        Deep.Equal(Sample(name), back);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void The_sample_serializes_to_the_fixture_bytes_and_manifest(string name)
    {
        var e = Entries.Value[name];
        var sample = Sample(name);
        Assert.Equal(e.Manifest, _fx.Serializer.Manifest(sample));
        Assert.Equal(e.Bytes, _fx.Serializer.ToBinary(sample));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void What_was_read_from_the_fixture_serializes_to_the_same_bytes(string name)
    {
        var e = Entries.Value[name];
        var back = _fx.Serializer.FromBinary(e.Bytes, e.Manifest);
        Assert.Equal(e.Bytes, _fx.Serializer.ToBinary(back));
    }

    // Manifests added since 5a1ab64, so not in its fixture; their samples round-trip in SerializerTests and their bytes are pinned in
    // TopicAttributeSerializerTests. Add to this list, never remove from it.
    private static readonly string[] AddedAfterTheFixture =
    {
        "BUT2", "BUR2", "BTC2", "NRB2", "NRI2", "NCT2", "STC2", "STS2", // topic attributes (issue 19)
        "STO1", "STD1", "STW1", // the timer wheel (issue 19)
        "AGU", "AGD", "AGG", "AGR", "AGL", "AGS", "SGC1", "SGD1", "SGS1", // subscription groups (issue 20)
        "PPM", "PPR", "PAK", "PAR", "PCI", "PCR", "PFD", "PFR", "PSD1", "PSA1", "PSC1", "PSS1", // POP consumption (issue 20)
        "SAP1", "SAO1", "SAQ2", // deleteTopic purge, retention.bytes (issue 19)
        "ARO", "ARR", "ARC", // offset resets reaching running consumers (issue 19); bytes pinned in AdminSerializerTests
        "BUT3", // UpdateTopicConfig of an auto-create (issue 19, autoCreateQueueLimit)
        "NRB3", "NRI3", // gRPC endpoints in registrations and routes (issue 20)
        "TPM", "TET", "TER", "TCK", "THQ", "THL", "TSH1", "TSR1", "TSC1", "TSS1", // transactional messages (issue 21)
        "CKH", "CKR", "CKU", "CKG", "CKC", "CKP", "ACC2", // client connections: producerConnection, gRPC clients (issue 20); ClientConnectionSerializerTests
        "UU1", "UA1", "US", "UCU", "UUU", "UDU", "UGU", "ULU", "UCA", "UUA", "UDA", "UGA", "ULA", "UR", "UHC", "UHR", "UHS", "UX", "UHE", // users and ACLs, data channel endpoint (issue 22)
    };

    [Fact]
    public void The_fixture_covers_every_manifest_the_samples_use()
    {
        var covered = Entries.Value.Values.Select(e => e.Manifest).ToHashSet();
        var missing = Samples.Instances.Value.Select(_fx.Serializer.Manifest).Where(m => !covered.Contains(m) && !AddedAfterTheFixture.Contains(m))
            .Distinct().ToList();
        Assert.Empty(missing);
        Assert.Equal(62, covered.Count);
        Assert.Empty(AddedAfterTheFixture.Intersect(covered));
    }
}
