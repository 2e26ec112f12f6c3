namespace AkkaMq.Cluster.Tests;

/// <summary>
/// Cluster tests run one at a time: each starts several nodes (or processes), and on a 2-core
/// machine two of them at once starve the failure detectors and get live nodes downed.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ClusterCollection
{
    public const string Name = "cluster";
}
