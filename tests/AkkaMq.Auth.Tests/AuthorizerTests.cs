using System.Net;
using AkkaMq.Auth;
using AkkaMq.Protocol.Auth;
using static AkkaMq.Auth.Tests.TestUsers;

namespace AkkaMq.Auth.Tests;

public class AuthorizerTests
{
    private static readonly IPAddress Local = IPAddress.Parse("10.1.2.3");

    private static bool Allowed(User u, AclRule[] rules, ResourceType type, string name, AclAction action, IPAddress? ip = null) =>
        Authorizer.Check(u, new UserAcl(u.Username, rules), new Permission(type, name, action), ip ?? Local).Allowed;

    [Fact]
    public void No_rule_means_denied()
    {
        var d = Authorizer.Check(Normal("alice"), null, new Permission(ResourceType.Topic, "orders", AclAction.Pub), Local);
        Assert.False(d.Allowed);
        Assert.Contains("alice", d.Error);
        Assert.Contains("Topic:orders", d.Error);
    }

    [Fact]
    public void A_literal_allow_covers_only_its_topic_and_actions()
    {
        var rules = new[] { Rule("Topic:orders", "Pub") };
        Assert.True(Allowed(Normal("alice"), rules, ResourceType.Topic, "orders", AclAction.Pub));
        Assert.False(Allowed(Normal("alice"), rules, ResourceType.Topic, "orders", AclAction.Sub));
        Assert.False(Allowed(Normal("alice"), rules, ResourceType.Topic, "orders2", AclAction.Pub));
        Assert.False(Allowed(Normal("alice"), rules, ResourceType.Group, "orders", AclAction.Pub));
    }

    [Fact]
    public void Deny_beats_allow_whatever_the_order()
    {
        var allowFirst = new[] { Rule("Topic:*", "All"), Rule("Topic:secret", "Sub", Decision.Deny) };
        var denyFirst = allowFirst.Reverse().ToArray();
        foreach (var rules in new[] { allowFirst, denyFirst })
        {
            var d = Authorizer.Check(Normal("bob"), new UserAcl("bob", rules), new Permission(ResourceType.Topic, "secret", AclAction.Sub), Local);
            Assert.False(d.Allowed);
            Assert.Contains("denied", d.Error);
            Assert.True(Allowed(Normal("bob"), rules, ResourceType.Topic, "secret", AclAction.Pub));
            Assert.True(Allowed(Normal("bob"), rules, ResourceType.Topic, "public", AclAction.Sub));
        }
    }

    [Fact]
    public void A_prefixed_resource_covers_names_starting_with_it()
    {
        var rules = new[] { Rule("Topic:orders-*", "Pub,Sub") };
        Assert.True(Allowed(Normal("a"), rules, ResourceType.Topic, "orders-eu", AclAction.Pub));
        Assert.True(Allowed(Normal("a"), rules, ResourceType.Topic, "orders-", AclAction.Sub));
        Assert.False(Allowed(Normal("a"), rules, ResourceType.Topic, "order", AclAction.Pub));
        Assert.False(Allowed(Normal("a"), rules, ResourceType.Topic, "xorders-eu", AclAction.Pub));
    }

    [Fact]
    public void Any_of_a_type_and_everything()
    {
        Assert.True(Allowed(Normal("a"), new[] { Rule("Group:*", "Sub") }, ResourceType.Group, "g1", AclAction.Sub));
        Assert.False(Allowed(Normal("a"), new[] { Rule("Group:*", "Sub") }, ResourceType.Topic, "g1", AclAction.Sub));
        Assert.True(Allowed(Normal("a"), new[] { Rule("*", "Get") }, ResourceType.Cluster, "DefaultCluster", AclAction.Get));
        Assert.False(Allowed(Normal("a"), new[] { Rule("*", "Get") }, ResourceType.Cluster, "DefaultCluster", AclAction.Update));
    }

    [Fact]
    public void Source_ip_ranges_limit_a_rule()
    {
        var rules = new[] { Rule("Topic:orders", "Pub", Decision.Allow, "10.0.0.0/8", "192.168.1.7") };
        Assert.True(Allowed(Normal("a"), rules, ResourceType.Topic, "orders", AclAction.Pub, IPAddress.Parse("10.200.0.1")));
        Assert.True(Allowed(Normal("a"), rules, ResourceType.Topic, "orders", AclAction.Pub, IPAddress.Parse("192.168.1.7")));
        Assert.True(Allowed(Normal("a"), rules, ResourceType.Topic, "orders", AclAction.Pub, IPAddress.Parse("::ffff:10.0.0.9")));
        Assert.False(Allowed(Normal("a"), rules, ResourceType.Topic, "orders", AclAction.Pub, IPAddress.Parse("192.168.1.8")));
        Assert.False(Authorizer.Check(Normal("a"), new UserAcl("a", rules), new Permission(ResourceType.Topic, "orders", AclAction.Pub), null).Allowed);
    }

    [Fact]
    public void A_deny_from_one_range_blocks_only_that_range()
    {
        var rules = new[] { Rule("Topic:orders", "Pub"), Rule("Topic:orders", "Pub", Decision.Deny, "172.16.0.0/12") };
        Assert.True(Allowed(Normal("a"), rules, ResourceType.Topic, "orders", AclAction.Pub, IPAddress.Parse("10.0.0.1")));
        Assert.False(Allowed(Normal("a"), rules, ResourceType.Topic, "orders", AclAction.Pub, IPAddress.Parse("172.16.5.5")));
    }

    [Fact]
    public void A_super_user_may_do_everything_without_rules()
    {
        Assert.True(Authorizer.Check(Super("root"), null, new Permission(ResourceType.Cluster, "c", AclAction.Delete), null).Allowed);
        Assert.True(Allowed(Super("root"), new[] { Rule("*", "All", Decision.Deny) }, ResourceType.Topic, "t", AclAction.Pub));
    }

    [Fact]
    public void Wrong_group_is_refused_when_the_topic_is_allowed()
    {
        var rules = new[] { Rule("Topic:orders", "Sub"), Rule("Group:billing", "Sub") };
        var ok = Authorizer.CheckAll(Normal("c"), new UserAcl("c", rules), new[]
        {
            new Permission(ResourceType.Topic, "orders", AclAction.Sub), new Permission(ResourceType.Group, "billing", AclAction.Sub),
        }, Local);
        var wrongGroup = Authorizer.CheckAll(Normal("c"), new UserAcl("c", rules), new[]
        {
            new Permission(ResourceType.Topic, "orders", AclAction.Sub), new Permission(ResourceType.Group, "shipping", AclAction.Sub),
        }, Local);
        Assert.True(ok.Allowed);
        Assert.False(wrongGroup.Allowed);
        Assert.Contains("Group:shipping", wrongGroup.Error);
    }

    [Fact]
    public void Admin_actions_need_their_own_rule()
    {
        var rules = new[] { Rule("Topic:*", "Pub,Sub") };
        Assert.False(Allowed(Normal("n"), rules, ResourceType.Topic, "orders", AclAction.Update));
        Assert.False(Allowed(Normal("n"), rules, ResourceType.Topic, "orders", AclAction.Delete));
        Assert.False(Allowed(Normal("n"), rules, ResourceType.Cluster, "DefaultCluster", AclAction.Create));
        Assert.True(Allowed(Normal("n"), new[] { Rule("Topic:*", "All") }, ResourceType.Topic, "orders", AclAction.Update));
    }

    [Theory]
    [InlineData("Topic:orders", ResourceType.Topic, "orders", ResourcePattern.Literal)]
    [InlineData("topic:orders-*", ResourceType.Topic, "orders-", ResourcePattern.Prefixed)]
    [InlineData("Group:*", ResourceType.Group, "*", ResourcePattern.Any)]
    [InlineData("*", ResourceType.Any, "*", ResourcePattern.Any)]
    [InlineData("Cluster:DefaultCluster", ResourceType.Cluster, "DefaultCluster", ResourcePattern.Literal)]
    public void Resources_parse_from_RocketMQ_text(string text, ResourceType type, string name, ResourcePattern pattern)
    {
        var r = AclResource.TryParse(text, out var error);
        Assert.Null(error);
        Assert.Equal(new AclResource(type, name, pattern), r);
        Assert.Equal(r, AclResource.TryParse(r!.ToString(), out _));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("orders", "must start with")]
    [InlineData("Queue:orders", "must start with")]
    [InlineData("3:orders", "must start with")]
    [InlineData("Topic:or ders", "illegal character")]
    [InlineData("Topic:", "empty")]
    public void Bad_resources_are_refused_with_the_reason(string text, string reason)
    {
        Assert.Null(AclResource.TryParse(text, out var error));
        Assert.Contains(reason, error);
    }

    [Theory]
    [InlineData("Pub,Sub", AclAction.Pub | AclAction.Sub)]
    [InlineData("all", AclAction.All)]
    [InlineData(" Get , List ", AclAction.Get | AclAction.List)]
    public void Actions_parse(string text, AclAction expected)
    {
        Assert.Equal(expected, AuthNames.ParseActions(text, out var error));
        Assert.Null(error);
    }

    [Theory]
    [InlineData("Publish")]
    [InlineData("")]
    [InlineData("7")]
    [InlineData("None")]
    public void Bad_actions_are_refused(string text)
    {
        AuthNames.ParseActions(text, out var error);
        Assert.NotNull(error);
    }

    [Fact]
    public void Bad_ip_ranges_are_named()
    {
        Assert.Null(IpRanges.Check("10.0.0.0/8"));
        Assert.Null(IpRanges.Check("::1"));
        Assert.Contains("10.0.0.0/99", IpRanges.Check("10.0.0.0/99"));
        Assert.Contains("not-an-ip", IpRanges.Check("not-an-ip"));
    }
}
