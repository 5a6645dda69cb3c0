import { CommandError } from "../protocol.ts";
import { arg, type CommandTable, keyword } from "./command-spec.ts";
import { bytesToText, StatusReply } from "./reply.ts";

function subcommandArity(command: string, subcommand: string): CommandError {
  return new CommandError(
    `ERR wrong number of arguments for '${command}|${subcommand.toLowerCase()}' command`,
  );
}

export const serverCommands: CommandTable = {
  ping: {
    arity: -1,
    run(_context, args) {
      if (args.length > 2) throw new CommandError("ERR wrong number of arguments for 'ping' command");
      return args[1] ?? new StatusReply("PONG");
    },
  },
  echo: { arity: 2, run: (_context, args) => arg(args, 1) },
  time: {
    arity: 1,
    run() {
      const micros = Math.floor((performance.timeOrigin + performance.now()) * 1000);
      return [String(Math.floor(micros / 1_000_000)), String(micros % 1_000_000)];
    },
  },
  publish: { arity: 3, run: (context, args) => context.pubsub.publish(arg(args, 1), arg(args, 2)) },
  pubsub: {
    arity: -2,
    run(context, args) {
      const subcommand = keyword(args[1]);
      if (subcommand === "CHANNELS") {
        if (args.length > 3) throw subcommandArity("pubsub", subcommand);
        return context.pubsub.activeChannels(args[2]);
      }
      if (subcommand === "NUMSUB") {
        return args.slice(2).flatMap((channel) => [channel, context.pubsub.subscriberCount(channel)]);
      }
      if (subcommand === "NUMPAT") {
        if (args.length > 2) throw subcommandArity("pubsub", subcommand);
        return context.pubsub.patternCount();
      }
      throw new CommandError(`ERR unknown subcommand '${bytesToText(arg(args, 1))}'. Try PUBSUB HELP.`);
    },
  },
};
