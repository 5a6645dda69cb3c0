import fengari, { type LuaState } from "fengari";
import { CommandError } from "../protocol.ts";
import { installCjson } from "./lua-cjson.ts";
import { type CommandRunner, installRedisLibrary } from "./lua-redis-lib.ts";
import { fromLuaString, pushErrorTable, readReply, readStringField, toLuaString } from "./lua-values.ts";
import { type Bytes, bytesToText, ErrorReply, type MemoryReply } from "./reply.ts";

const { lua, lauxlib, lualib, to_luastring } = fengari;

/** Redis's Lua is 5.1 with a read-only global table; this makes fengari's 5.3 look the same to scripts. */
const SANDBOX = `
local lua_pcall = pcall
-- Redis hands a caught redis.call error to the script as its message string, not as the {err=...} table.
pcall = function(...)
  local outcome = table.pack(lua_pcall(...))
  if not outcome[1] and type(outcome[2]) == "table" and type(outcome[2].err) == "string" then
    outcome[2] = outcome[2].err
  end
  return table.unpack(outcome, 1, outcome.n)
end
unpack = table.unpack
loadstring = load
math.pow = function(x, y) return x ^ y end
table.getn = function(t) return #t end
io, os, package, require, dofile, loadfile, utf8, debug = nil, nil, nil, nil, nil, nil, nil, nil
setmetatable(_G, {
  __newindex = function() error("Attempt to modify a readonly table", 2) end,
  __index = function(_, name)
    error("Script attempted to access nonexistent global variable '" .. tostring(name) .. "'", 2)
  end,
})
`;

const CHUNK_NAME = to_luastring("@user_script");
const USER_SCRIPT = "@user_script";
const ERR_FIELD = to_luastring("err");
const KEYS_NAME = to_luastring("KEYS");
const ARGV_NAME = to_luastring("ARGV");
/** A runaway script would freeze the whole process (the dev server with it), so it is stopped. */
const DEFAULT_TIME_LIMIT_MS = 5000;
const HOOK_EVERY_INSTRUCTIONS = 10_000;

export interface LoadedScript {
  sha: string;
  body: Bytes;
}

/** One Lua state holding every loaded script, like Redis's; scripts are compiled once per sha. */
export class LuaEngine {
  private L: LuaState;
  private readonly compiled = new Map<string, number>();
  private runner: CommandRunner | undefined;
  private errorLine: number | undefined;

  constructor(private readonly timeLimitMs = DEFAULT_TIME_LIMIT_MS) {
    this.L = this.createState();
  }

  /** Compiles the script (SCRIPT LOAD, EVAL); throws the compile error as Redis words it. */
  compile(script: LoadedScript): void {
    if (this.compiled.has(script.sha)) return;
    const L = this.L;
    if (lauxlib.luaL_loadbuffer(L, toLuaString(script.body), null, CHUNK_NAME) !== lua.LUA_OK) {
      // Lua 5.3 prints the end of input bare; Redis's Lua 5.1 quotes it.
      const message = bytesToText(fromLuaString(lua.lua_tolstring(L, -1) ?? new Uint8Array())).replace(
        "near <eof>",
        "near '<eof>'",
      );
      lua.lua_pop(L, 1);
      throw new CommandError(`ERR Error compiling script (new function): ${message}`);
    }
    this.compiled.set(script.sha, lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX));
  }

  run(script: LoadedScript, keys: Bytes[], argv: Bytes[], runner: CommandRunner): MemoryReply {
    this.compile(script);
    const L = this.L;
    const base = lua.lua_gettop(L);
    this.runner = runner;
    this.errorLine = undefined;
    try {
      lua.lua_pushjsfunction(L, (state) => this.recordErrorLine(state));
      lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, this.compiled.get(script.sha) ?? lua.LUA_REGISTRYINDEX);
      this.setGlobalArray(KEYS_NAME, keys);
      this.setGlobalArray(ARGV_NAME, argv);
      const deadline = Date.now() + this.timeLimitMs;
      lua.lua_sethook(
        L,
        (state) => this.enforceDeadline(state, deadline),
        lua.LUA_MASKCOUNT,
        HOOK_EVERY_INSTRUCTIONS,
      );
      if (lua.lua_pcall(L, 0, 1, base + 1) !== lua.LUA_OK) throw this.scriptError(script.sha);
      const reply = readReply(L, -1);
      if (reply instanceof ErrorReply) throw new CommandError(bytesToText(reply.message));
      return reply;
    } catch (error) {
      if (error instanceof CommandError) throw error;
      // A JS exception escaped the VM (e.g. a JS stack overflow); its state can no longer be trusted.
      this.reset();
      throw new CommandError(
        `ERR Error running script: ${error instanceof Error ? error.message : String(error)}`,
      );
    } finally {
      this.runner = undefined;
      if (this.L === L) {
        lua.lua_sethook(L, null, 0, 0);
        lua.lua_settop(L, base);
      }
    }
  }

  flush(): void {
    this.reset();
  }

  private reset(): void {
    this.compiled.clear();
    this.L = this.createState();
  }

  private createState(): LuaState {
    const L = lauxlib.luaL_newstate();
    lualib.luaL_openlibs(L);
    installRedisLibrary(L, () => {
      if (!this.runner) throw new CommandError("ERR redis.call is only available while a script runs");
      return this.runner;
    });
    installCjson(L);
    if (lauxlib.luaL_loadbuffer(L, to_luastring(SANDBOX), null, to_luastring("=sandbox")) !== lua.LUA_OK) {
      throw new Error("the Lua sandbox failed to compile");
    }
    lua.lua_pcall(L, 0, 0, 0);
    return L;
  }

  private setGlobalArray(name: Uint8Array, values: Bytes[]): void {
    const L = this.L;
    lua.lua_pushglobaltable(L);
    lua.lua_pushstring(L, name);
    lua.lua_createtable(L, values.length, 0);
    values.forEach((value, index) => {
      lua.lua_pushstring(L, toLuaString(value));
      lua.lua_rawseti(L, -2, index + 1);
    });
    lua.lua_rawset(L, -3);
    lua.lua_pop(L, 1);
  }

  /** Message handler: the stack is still intact here, so this is where the failing line is known. */
  private recordErrorLine(L: LuaState): number {
    const frame = new lua.lua_Debug();
    for (let level = 1; lua.lua_getstack(L, level, frame); level++) {
      lua.lua_getinfo(L, to_luastring("Sl"), frame);
      const source = frame.source ? fengari.to_jsstring(frame.source) : "";
      if (source === USER_SCRIPT && frame.currentline > 0) {
        this.errorLine = frame.currentline;
        break;
      }
    }
    return 1;
  }

  private enforceDeadline(L: LuaState, deadline: number): void {
    if (Date.now() <= deadline) return;
    pushErrorTable(L, `ERR Script exceeded the memory backend's ${this.timeLimitMs} ms time limit`);
    lua.lua_error(L);
  }

  /** Formats an uncaught script error the way Redis 7.0 does. */
  private scriptError(sha: string): CommandError {
    const L = this.L;
    const where = ` script: ${sha}, on @user_script:${this.errorLine ?? "?"}.`;
    if (lua.lua_type(L, -1) === lua.LUA_TTABLE) {
      const message = readStringField(L, lua.lua_gettop(L), ERR_FIELD);
      if (message !== undefined) return new CommandError(`${bytesToText(message)}${where}`);
    }
    // Like Redis's error handler, anything but an {err=...} table becomes "ERR <tostring(error)>".
    return new CommandError(`ERR ${bytesToText(fromLuaString(lauxlib.luaL_tolstring(L, -1)))}${where}`);
  }
}
