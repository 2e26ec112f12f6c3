using System.Runtime.CompilerServices;

// The consumer's services (ProcessQueue, Rebalancer, offset stores, consume services) have unit tests of their own.
[assembly: InternalsVisibleTo("AkkaMq.Client.Tests")]
