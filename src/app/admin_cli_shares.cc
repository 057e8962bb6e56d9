// `skyarray admin share ...`: file shares (admin_shares.h routes).
//   share create NAME --bucket B [--prefix P] --protocols nfs[,smb,ftp]
//                     --clients CIDR[,CIDR] [--ro] [--root-squash|--all-squash|--no-squash]
//                     [--anon-uid U --anon-gid G] [--uid U --gid G]
//                     [--file-mode 0644 --dir-mode 0755]
//   share list | show NAME | set NAME [the same options, --rw] | remove NAME
#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <cstdio>
#include <memory>

#include "app/admin_cli.h"

namespace json = boost::json;

namespace skyarray::app {

namespace {

struct ShareArgs {
  std::string name;
  std::string bucket;
  std::string prefix;
  std::string protocols = "nfs";
  std::string clients;
  bool ro = false;
  bool rw = false;
  bool root_squash = false;
  bool all_squash = false;
  bool no_squash = false;
  uint32_t anon_uid = 65534;
  uint32_t anon_gid = 65534;
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::string file_mode;
  std::string dir_mode;
};

const std::vector<std::string> kColumns = {"name",      "bucket",   "prefix",
                                           "protocols", "clients",  "read_only",
                                           "squash",    "anon_uid", "anon_gid"};

void print_share(const json::value& v) {
  print_table(json::array{v}, kColumns);
}

// Declares the options `create` and `set` share; `set` sends only those given.
void share_options(CLI::App* cmd, const std::shared_ptr<ShareArgs>& a) {
  cmd->add_option("--prefix", a->prefix, "key prefix inside the bucket");
  cmd->add_option("--protocols", a->protocols, "nfs[,smb,ftp]");
  cmd->add_option("--clients", a->clients, "client address blocks, CIDR[,CIDR]");
  cmd->add_flag("--ro", a->ro, "read-only share");
  auto* root = cmd->add_flag("--root-squash", a->root_squash, "map uid 0 to the anonymous ids");
  auto* all = cmd->add_flag("--all-squash", a->all_squash, "map every user to the anonymous ids");
  auto* none = cmd->add_flag("--no-squash", a->no_squash, "keep client ids, root included");
  root->excludes(all)->excludes(none);
  all->excludes(none);
  cmd->add_option("--anon-uid", a->anon_uid, "uid of squashed users");
  cmd->add_option("--anon-gid", a->anon_gid, "gid of squashed users");
  cmd->add_option("--uid", a->uid, "owner of files that carry no attributes");
  cmd->add_option("--gid", a->gid, "group of files that carry no attributes");
  cmd->add_option("--file-mode", a->file_mode, "mode of files that carry none (octal)");
  cmd->add_option("--dir-mode", a->dir_mode, "mode of directories that carry none (octal)");
}

bool given(CLI::App* cmd, const char* name) {
  return cmd->get_option(name)->count() > 0;
}

json::object share_body(CLI::App* cmd, const ShareArgs& a, bool all) {
  json::object o;
  if (all || given(cmd, "--prefix")) o["prefix"] = a.prefix;
  if (all || given(cmd, "--protocols")) o["protocols"] = a.protocols;
  if (all || given(cmd, "--clients")) o["clients"] = a.clients;
  if (a.ro) o["read_only"] = true;
  if (a.rw) o["read_only"] = false;
  if (a.root_squash) o["squash"] = "root";
  if (a.all_squash) o["squash"] = "all";
  if (a.no_squash) o["squash"] = "none";
  if (given(cmd, "--anon-uid")) o["anon_uid"] = a.anon_uid;
  if (given(cmd, "--anon-gid")) o["anon_gid"] = a.anon_gid;
  if (given(cmd, "--uid")) o["uid"] = a.uid;
  if (given(cmd, "--gid")) o["gid"] = a.gid;
  if (given(cmd, "--file-mode")) o["file_mode"] = a.file_mode;
  if (given(cmd, "--dir-mode")) o["dir_mode"] = a.dir_mode;
  return o;
}

}  // namespace

void add_share_commands(CLI::App* admin, AdminCli& cli) {
  auto args = std::make_shared<ShareArgs>();
  auto* share = admin->add_subcommand("share", "manage file shares")->require_subcommand(1);

  auto* create = share->add_subcommand("create", "create a share of a bucket");
  create->add_option("name", args->name, "share name (the NFS export is /NAME)")->required();
  create->add_option("--bucket", args->bucket, "bucket shown by the share")->required();
  share_options(create, args);
  cli.add(
      create,
      [args, create] {
        json::object body = share_body(create, *args, true);
        body["name"] = args->name;
        body["bucket"] = args->bucket;
        return AdminRequest{"POST", "shares", std::move(body)};
      },
      print_share);

  cli.add(
      share->add_subcommand("list", "list shares"),
      [] {
        return AdminRequest{"GET", "shares", {}};
      },
      [](const json::value& v) { print_table(v.at("shares").as_array(), kColumns); });

  auto* show = share->add_subcommand("show", "show one share");
  show->add_option("name", args->name, "share name")->required();
  cli.add(
      show,
      [args] {
        return AdminRequest{"GET", "shares/" + path_segment(args->name), {}};
      },
      print_fields);

  auto* set = share->add_subcommand("set", "change a share's settings (only those given)");
  set->add_option("name", args->name, "share name")->required();
  share_options(set, args);
  set->add_flag("--rw", args->rw, "read-write share")->excludes(set->get_option("--ro"));
  cli.add(
      set,
      [args, set] {
        return AdminRequest{"PUT", "shares/" + path_segment(args->name),
                            share_body(set, *args, false)};
      },
      print_share);

  auto* remove = share->add_subcommand("remove", "remove a share (its files stay in the bucket)");
  remove->add_option("name", args->name, "share name")->required();
  cli.add(
      remove,
      [args] {
        return AdminRequest{"DELETE", "shares/" + path_segment(args->name), {}};
      },
      print_fields);
}

}  // namespace skyarray::app
