using AkkaMq.Auth;
using AkkaMq.Protocol;
using AkkaMq.Protocol.Auth;
using static AkkaMq.Auth.Tests.TestUsers;

namespace AkkaMq.Auth.Tests;

public class AuthAdminTests
{
    private readonly AuthCache _state = new();

    public AuthAdminTests()
    {
        _state.Apply(new AuthChange.PutUser(Super("admin")));
        _state.Apply(new AuthChange.PutUser(Normal("alice")));
        _state.Apply(new AuthChange.PutAcl(new UserAcl("alice", new[] { Rule("Topic:orders", "Pub") })));
    }

    private AdminDecision Decide(IAuthAdminRequest r)
    {
        var d = AuthAdmin.Decide(r, _state.Users, _state.Acls);
        foreach (var c in d.Changes) _state.Apply(c);
        return d;
    }

    private void Refused(IAuthAdminRequest r, ResponseCode code, string reason)
    {
        var users = _state.Users.ToDictionary();
        var acls = _state.Acls.ToDictionary();
        var d = Decide(r);
        Assert.Equal(code, d.Reply.Code);
        Assert.Contains(reason, d.Reply.Error);
        Assert.Empty(d.Changes);
        Assert.Equal(users, _state.Users.ToDictionary());
        Assert.Equal(acls, _state.Acls.ToDictionary());
    }

    [Fact]
    public void Create_get_update_delete_a_user()
    {
        Assert.Equal(ResponseCode.Success, Decide(new CreateUser(Normal("bob", "bob-secret"))).Reply.Code);
        var got = Decide(new GetUser("bob")).Reply.Users.Single();
        Assert.Equal("", got.Password);
        Assert.Equal(UserType.Normal, got.Type);
        Decide(new UpdateUser("bob", null, null, UserStatus.Disabled));
        Assert.Equal(UserStatus.Disabled, _state.FindUser("bob")!.Status);
        Assert.Equal("bob-secret", _state.FindUser("bob")!.Password);
        Decide(new DeleteUser("bob"));
        Assert.Null(_state.FindUser("bob"));
    }

    [Fact]
    public void List_users_filters_and_never_shows_secrets()
    {
        var all = Decide(new ListUsers("")).Reply.Users;
        Assert.Equal(new[] { "admin", "alice" }, all.Select(u => u.Username));
        Assert.All(all, u => Assert.Equal("", u.Password));
        Assert.Single(Decide(new ListUsers("ali")).Reply.Users);
    }

    [Theory]
    [InlineData("bad name", "illegal character")]
    [InlineData("", "empty")]
    [InlineData("alice", "already exists")]
    public void Create_user_refuses_bad_input(string name, string reason) =>
        Refused(new CreateUser(Normal(name, "long-enough")), ResponseCode.MessageIllegal, reason);

    [Fact]
    public void Create_user_refuses_a_short_password() =>
        Refused(new CreateUser(Normal("bob", "123")), ResponseCode.MessageIllegal, "shorter than");

    [Fact]
    public void Unknown_users_are_named()
    {
        Refused(new UpdateUser("nobody", "new-secret", null, null), ResponseCode.QueryNotFound, "'nobody' does not exist");
        Refused(new DeleteUser("nobody"), ResponseCode.QueryNotFound, "'nobody' does not exist");
        Refused(new GetUser("nobody"), ResponseCode.QueryNotFound, "'nobody' does not exist");
        Refused(new CreateAcl("nobody", new[] { Rule("Topic:t", "Pub") }), ResponseCode.QueryNotFound, "'nobody' does not exist");
    }

    [Fact]
    public void The_last_super_user_stays()
    {
        Refused(new DeleteUser("admin"), ResponseCode.MessageIllegal, "last enabled Super user");
        Refused(new UpdateUser("admin", null, UserType.Normal, null), ResponseCode.MessageIllegal, "last enabled Super user");
        Refused(new UpdateUser("admin", null, null, UserStatus.Disabled), ResponseCode.MessageIllegal, "last enabled Super user");
        Decide(new CreateUser(Super("root")));
        Assert.Equal(ResponseCode.Success, Decide(new DeleteUser("admin")).Reply.Code);
    }

    [Fact]
    public void Deleting_a_user_deletes_its_acl()
    {
        Decide(new DeleteUser("alice"));
        Assert.Null(_state.FindAcl("alice"));
    }

    [Fact]
    public void Create_acl_adds_and_replaces_per_resource()
    {
        Decide(new CreateAcl("alice", new[] { Rule("Group:g1", "Sub"), Rule("Topic:orders", "Pub,Sub") }));
        var rules = _state.FindAcl("alice")!.Rules;
        Assert.Equal(2, rules.Count);
        Assert.Equal(AclAction.Pub | AclAction.Sub, rules.Single(r => r.Resource.Name == "orders").Actions);
    }

    [Fact]
    public void Update_acl_needs_an_existing_entry()
    {
        Refused(new UpdateAcl("alice", new[] { Rule("Topic:other", "Pub") }), ResponseCode.QueryNotFound, "no ACL entry for Topic:other");
        Decide(new UpdateAcl("alice", new[] { Rule("Topic:orders", "Sub", Decision.Deny) }));
        Assert.Equal(Decision.Deny, _state.FindAcl("alice")!.Rules.Single().Decision);
    }

    [Fact]
    public void Delete_acl_by_resource_or_whole()
    {
        Decide(new CreateAcl("alice", new[] { Rule("Group:g1", "Sub") }));
        Refused(new DeleteAcl("alice", new[] { AclResource.TryParse("Topic:zzz", out _)! }), ResponseCode.QueryNotFound, "Topic:zzz");
        Decide(new DeleteAcl("alice", new[] { AclResource.TryParse("Group:g1", out _)! }));
        Assert.Single(_state.FindAcl("alice")!.Rules);
        Decide(new DeleteAcl("alice", Array.Empty<AclResource>()));
        Assert.Null(_state.FindAcl("alice"));
        Refused(new GetAcl("alice"), ResponseCode.QueryNotFound, "has no ACL");
    }

    [Fact]
    public void Acl_rules_are_checked_like_typed_ones()
    {
        Refused(new CreateAcl("alice", Array.Empty<AclRule>()), ResponseCode.MessageIllegal, "no ACL rule");
        Refused(new CreateAcl("alice", new[] { Rule("Topic:t", "Pub", Decision.Allow, "300.1.1.1") }), ResponseCode.MessageIllegal, "300.1.1.1");
        Refused(new CreateAcl("alice", new[] { new AclRule(new AclResource(ResourceType.Topic, "a b", ResourcePattern.Literal), AclAction.Pub,
            Array.Empty<string>(), Decision.Allow) }), ResponseCode.MessageIllegal, "illegal character");
        Refused(new CreateAcl("alice", new[] { new AclRule(AclResource.Everything, AclAction.None, Array.Empty<string>(), Decision.Allow) }),
            ResponseCode.MessageIllegal, "actions must be");
    }

    [Fact]
    public void List_acls()
    {
        Assert.Equal("alice", Decide(new ListAcls("")).Reply.Acls.Single().Username);
        Assert.Empty(Decide(new ListAcls("zz")).Reply.Acls);
    }
}
