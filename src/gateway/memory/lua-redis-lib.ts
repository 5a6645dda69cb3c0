import { createHash } from "node:crypto";
import fengari, { type JsFunction, type LuaState } from "fengari";
import { CommandError } from "../protocol.ts";
import { fromLuaString, pushErrorTable, pushReply, readCommandArguments, toLuaString } from "./lua-values.ts";
import { type Bytes, type MemoryReply, textToBytes } from "./reply.ts";

const { lua, to_luastring } = fengari;

/** Runs one redis.call from the script that is executing; throws CommandError for error replies. */
export type CommandRunner = (args: Bytes[]) => MemoryReply;

/** Installs the `redis` global: call, pcall, error_reply, status_reply, sha1hex, log and friends. */
export function installRedisLibrary(L: LuaState, runCommand: () => CommandRunner): void {
  const functions: Record<string, JsFunction> = {
    call: (state) => redisCall(state, runCommand(), true),
    pcall: (state) => redisCall(state, runCommand(), false),
    error_reply(state) {
      const text = lua.lua_tolstring(state, 1);
      pushErrorTable(state, errorReplyText(text ? fromLuaString(text) : ""));
      return 1;
    },
    status_reply(state) {
      const text = lua.lua_tolstring(state, 1);
      lua.lua_createtable(state, 0, 1);
      lua.lua_pushstring(state, toLuaString(text ? fromLuaString(text) : ""));
      lua.lua_setfield(state, -2, to_luastring("ok"));
      return 1;
    },
    sha1hex(state) {
      const input = lua.lua_tolstring(state, 1) ?? new Uint8Array();
      lua.lua_pushstring(state, to_luastring(createHash("sha1").update(input).digest("hex")));
      return 1;
    },
    log: () => 0,
    set_repl: () => 0,
    debug: () => 0,
    replicate_commands(state) {
      lua.lua_pushboolean(state, true);
      return 1;
    },
    breakpoint(state) {
      lua.lua_pushboolean(state, false);
      return 1;
    },
    setresp(state) {
      if (lua.lua_tonumber(state, 1) === 2) return 0;
      return raise(state, "ERR RESP3 is not supported by the memory backend");
    },
  };
  const constants: Record<string, number> = {
    LOG_DEBUG: 0,
    LOG_VERBOSE: 1,
    LOG_NOTICE: 2,
    LOG_WARNING: 3,
    REPL_NONE: 0,
    REPL_AOF: 1,
    REPL_SLAVE: 2,
    REPL_REPLICA: 2,
    REPL_ALL: 3,
    REDIS_VERSION_NUM: 0x070000,
  };
  lua.lua_createtable(L, 0, 20);
  for (const [name, fn] of Object.entries(functions)) {
    lua.lua_pushjsfunction(L, fn);
    lua.lua_setfield(L, -2, to_luastring(name));
  }
  for (const [name, value] of Object.entries(constants)) {
    lua.lua_pushinteger(L, value);
    lua.lua_setfield(L, -2, to_luastring(name));
  }
  lua.lua_pushstring(L, to_luastring("7.0.0"));
  lua.lua_setfield(L, -2, to_luastring("REDIS_VERSION"));
  lua.lua_setglobal(L, to_luastring("redis"));
}

function redisCall(L: LuaState, runCommand: CommandRunner, raiseErrors: boolean): number {
  let reply: MemoryReply;
  try {
    reply = runCommand(readCommandArguments(L));
  } catch (error) {
    if (!(error instanceof CommandError)) throw error;
    const message = textToBytes(error.message);
    return raiseErrors ? raise(L, message) : pushError(L, message);
  }
  pushReply(L, reply);
  return 1;
}

function pushError(L: LuaState, message: Bytes): number {
  pushErrorTable(L, message);
  return 1;
}

/** Redis raises an {err=...} table, which a script can catch with pcall and inspect. */
function raise(L: LuaState, message: Bytes): number {
  pushErrorTable(L, message);
  return lua.lua_error(L);
}

/**
 * redis.error_reply("-CODE msg") keeps CODE, a message without a leading "-" gets "ERR"; the
 * code is everything up to the first space, so "My Error" stays "My Error" but "oops" is "ERR oops".
 */
function errorReplyText(text: Bytes): Bytes {
  const withDash = text.startsWith("-") ? text : `-${text}`;
  const space = withDash.indexOf(" ");
  const [code, message] =
    space === -1 ? ["ERR", withDash.slice(1)] : [withDash.slice(1, space), withDash.slice(space + 1)];
  return `${code} ${message.replace(/^[\r\n]+|[\r\n]+$/g, "")}`;
}
