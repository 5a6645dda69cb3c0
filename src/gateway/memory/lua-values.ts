import fengari, { type LuaState, type LuaString } from "fengari";
import { CommandError } from "../protocol.ts";
import { formatG } from "./numbers.ts";
import { type Bytes, ErrorReply, type MemoryReply, StatusReply } from "./reply.ts";

const { lua, to_luastring } = fengari;

const ERR_FIELD = to_luastring("err");
const OK_FIELD = to_luastring("ok");
const MAX_NESTING = 64;
/** fengari's integers are 32-bit and wrap on overflow, so larger Redis integers enter Lua as floats (as in Redis's Lua 5.1). */
const MAX_LUA_INTEGER = 2 ** 31 - 1;

export function toLuaString(bytes: Bytes): LuaString {
  return Buffer.from(bytes, "latin1");
}

export function fromLuaString(value: LuaString): Bytes {
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("latin1");
}

export function pushNumber(L: LuaState, value: number): void {
  if (Number.isInteger(value) && Math.abs(value) <= MAX_LUA_INTEGER) lua.lua_pushinteger(L, value);
  else lua.lua_pushnumber(L, value);
}

export function pushErrorTable(L: LuaState, message: Bytes): void {
  lua.lua_createtable(L, 0, 1);
  lua.lua_pushstring(L, toLuaString(message));
  lua.lua_setfield(L, -2, ERR_FIELD);
}

/** Redis -> Lua: nil is false, status is {ok=...}, error is {err=...}, arrays are sequences. */
export function pushReply(L: LuaState, reply: MemoryReply): void {
  lua.lua_checkstack(L, 4);
  if (reply === null) lua.lua_pushboolean(L, false);
  else if (typeof reply === "number") pushNumber(L, reply);
  else if (typeof reply === "string") lua.lua_pushstring(L, toLuaString(reply));
  else if (reply instanceof StatusReply) {
    lua.lua_createtable(L, 0, 1);
    lua.lua_pushstring(L, toLuaString(reply.text));
    lua.lua_setfield(L, -2, OK_FIELD);
  } else if (reply instanceof ErrorReply) pushErrorTable(L, reply.message);
  else {
    lua.lua_createtable(L, reply.length, 0);
    reply.forEach((item, index) => {
      pushReply(L, item);
      lua.lua_rawseti(L, -2, index + 1);
    });
  }
}

/**
 * Lua -> Redis: numbers truncate to integers, true is 1, false and nil are nil, {err=...} and
 * {ok=...} are error and status replies, other tables are arrays up to their first nil.
 */
export function readReply(L: LuaState, index: number, depth = 0): MemoryReply {
  const type = lua.lua_type(L, index);
  if (type === lua.LUA_TSTRING) return fromLuaString(lua.lua_tolstring(L, index) ?? new Uint8Array());
  if (type === lua.LUA_TNUMBER) return Math.trunc(lua.lua_tonumber(L, index));
  if (type === lua.LUA_TBOOLEAN) return lua.lua_toboolean(L, index) ? 1 : null;
  if (type !== lua.LUA_TTABLE || depth > MAX_NESTING) return null;
  const absolute = index < 0 ? lua.lua_gettop(L) + index + 1 : index;
  const error = readStringField(L, absolute, ERR_FIELD);
  if (error !== undefined) return new ErrorReply(error);
  const status = readStringField(L, absolute, OK_FIELD);
  if (status !== undefined) return new StatusReply(status);
  const items: MemoryReply[] = [];
  for (let position = 1; ; position++) {
    lua.lua_checkstack(L, 2);
    if (lua.lua_rawgeti(L, absolute, position) === lua.LUA_TNIL) {
      lua.lua_pop(L, 1);
      return items;
    }
    items.push(readReply(L, -1, depth + 1));
    lua.lua_pop(L, 1);
  }
}

export function readStringField(L: LuaState, tableIndex: number, field: LuaString): Bytes | undefined {
  const type = lua.lua_getfield(L, tableIndex, field);
  const value =
    type === lua.LUA_TSTRING ? fromLuaString(lua.lua_tolstring(L, -1) ?? new Uint8Array()) : undefined;
  lua.lua_pop(L, 1);
  return value;
}

/** Arguments of redis.call: strings as they are, numbers the way Redis's Lua 5.1 prints them ("%.17g"). */
export function readCommandArguments(L: LuaState): Bytes[] {
  const count = lua.lua_gettop(L);
  if (count === 0) throw new CommandError("ERR Please specify at least one argument for this redis lib call");
  const args: Bytes[] = [];
  for (let index = 1; index <= count; index++) {
    const type = lua.lua_type(L, index);
    if (type === lua.LUA_TSTRING) args.push(fromLuaString(lua.lua_tolstring(L, index) ?? new Uint8Array()));
    else if (type === lua.LUA_TNUMBER) args.push(formatLuaNumber(L, index));
    else throw new CommandError("ERR Lua redis lib command arguments must be strings or integers");
  }
  return args;
}

function formatLuaNumber(L: LuaState, index: number): Bytes {
  const value = lua.lua_tonumber(L, index);
  if (lua.lua_isinteger(L, index)) return String(value);
  return formatG(value, 17);
}
