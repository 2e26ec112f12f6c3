using AkkaMq.TestKit;
using Xunit.Sdk;

namespace AkkaMq.Broker.Tests;

/// <summary>
/// A fact of a contract suite, run once per concrete subclass. In a subclass marked
/// <see cref="NeedsPostgresAttribute"/> it behaves as <see cref="PostgresFactAttribute"/>: skipped
/// without a server, failing in CI.
/// </summary>
[XunitTestCaseDiscoverer("AkkaMq.Broker.Tests.ContractFactDiscoverer", "AkkaMq.Broker.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class ContractFactAttribute : FactAttribute;

/// <summary>The contract suite's subclass runs against the PostgreSQL server of <see cref="Postgres"/>.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class NeedsPostgresAttribute : Attribute;

public sealed class ContractFactDiscoverer(IMessageSink diagnosticMessageSink) : FactDiscoverer(diagnosticMessageSink)
{
    protected override IXunitTestCase CreateTestCase(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute) =>
        new ContractTestCase(DiagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod);
}

/// <summary>Takes its skip reason from the test's class, which the attribute on the inherited method cannot see.</summary>
public sealed class ContractTestCase : XunitTestCase
{
    [Obsolete("Called by the de-serializer; should only be called by deriving classes for de-serialization purposes")]
    public ContractTestCase() { }

    public ContractTestCase(IMessageSink sink, TestMethodDisplay display, TestMethodDisplayOptions options, ITestMethod testMethod)
        : base(sink, display, options, testMethod) { }

    protected override string GetSkipReason(IAttributeInfo factAttribute) =>
        TestMethod.TestClass.Class.GetCustomAttributes(typeof(NeedsPostgresAttribute)).Any() && !Postgres.IsConfigured && !Postgres.IsCi
            ? Postgres.MissingMessage
            : base.GetSkipReason(factAttribute);
}
