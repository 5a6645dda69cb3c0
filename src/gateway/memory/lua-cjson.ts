import fengari, { type LuaState } from "fengari";
import { fromLuaString, pushNumber, toLuaString } from "./lua-values.ts";
import { formatG } from "./numbers.ts";
import { type Bytes, bytesToText, textToBytes } from "./reply.ts";

const { lua, to_luastring } = fengari;

/** cjson.null, a light userdata as in lua-cjson. */
const JSON_NULL = Symbol("cjson.null");
const MAX_DEPTH = 1000;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The `cjson` global Redis scripts expect: encode, decode and null, with lua-cjson's defaults. */
export function installCjson(L: LuaState): void {
  lua.lua_createtable(L, 0, 3);
  lua.lua_pushjsfunction(L, (state) => {
    const encoded = encodeValue(state, 1, 0);
    lua.lua_pushstring(state, toLuaString(encoded));
    return 1;
  });
  lua.lua_setfield(L, -2, to_luastring("encode"));
  lua.lua_pushjsfunction(L, (state) => {
    let parsed: Json;
    try {
      parsed = JSON.parse(
        bytesToText(fromLuaString(lua.lua_tolstring(state, 1) ?? new Uint8Array())),
      ) as Json;
    } catch (error) {
      lua.lua_pushstring(state, to_luastring(`cjson.decode: ${(error as Error).message}`));
      return lua.lua_error(state);
    }
    pushJson(state, parsed);
    return 1;
  });
  lua.lua_setfield(L, -2, to_luastring("decode"));
  lua.lua_pushlightuserdata(L, JSON_NULL);
  lua.lua_setfield(L, -2, to_luastring("null"));
  lua.lua_setglobal(L, to_luastring("cjson"));
}

function fail(L: LuaState, message: string): never {
  lua.lua_pushstring(L, to_luastring(message));
  lua.lua_error(L);
  throw new Error("unreachable: lua_error returned");
}

function encodeValue(L: LuaState, index: number, depth: number): Bytes {
  const type = lua.lua_type(L, index);
  if (type === lua.LUA_TNIL) return "null";
  if (type === lua.LUA_TBOOLEAN) return lua.lua_toboolean(L, index) ? "true" : "false";
  if (type === lua.LUA_TLIGHTUSERDATA && lua.lua_touserdata(L, index) === JSON_NULL) return "null";
  if (type === lua.LUA_TNUMBER) {
    const value = lua.lua_tonumber(L, index);
    if (!Number.isFinite(value)) fail(L, "Cannot serialise number: must not be NaN or Inf");
    return lua.lua_isinteger(L, index) ? String(value) : formatG(value, 14);
  }
  if (type === lua.LUA_TSTRING)
    return encodeString(fromLuaString(lua.lua_tolstring(L, index) ?? new Uint8Array()));
  if (type !== lua.LUA_TTABLE) fail(L, "Cannot serialise: type not supported");
  if (depth >= MAX_DEPTH) fail(L, `Cannot serialise, excessive nesting (${depth + 1})`);
  return encodeTable(L, index < 0 ? lua.lua_gettop(L) + index + 1 : index, depth + 1);
}

function encodeTable(L: LuaState, table: number, depth: number): Bytes {
  const arrayLength = sequenceLength(L, table);
  if (arrayLength > 0) {
    const items: Bytes[] = [];
    for (let position = 1; position <= arrayLength; position++) {
      lua.lua_rawgeti(L, table, position);
      items.push(encodeValue(L, -1, depth));
      lua.lua_pop(L, 1);
    }
    return `[${items.join(",")}]`;
  }
  const members: Bytes[] = [];
  lua.lua_pushnil(L);
  while (lua.lua_next(L, table) !== 0) {
    // A copy of the key is converted, since converting the key in place would confuse lua_next.
    lua.lua_pushvalue(L, -2);
    const keyType = lua.lua_type(L, -1);
    if (keyType !== lua.LUA_TSTRING && keyType !== lua.LUA_TNUMBER)
      fail(L, "Cannot serialise: table key must be a number or string");
    const key = fromLuaString(lua.lua_tolstring(L, -1) ?? new Uint8Array());
    lua.lua_pop(L, 1);
    members.push(`${encodeString(key)}:${encodeValue(L, -1, depth)}`);
    lua.lua_pop(L, 1);
  }
  return `{${members.join(",")}}`;
}

/** n when the table's keys are exactly 1..n, otherwise 0 (encoded as an object). */
function sequenceLength(L: LuaState, table: number): number {
  let count = 0;
  let max = 0;
  lua.lua_pushnil(L);
  while (lua.lua_next(L, table) !== 0) {
    lua.lua_pop(L, 1);
    const isIndex = lua.lua_type(L, -1) === lua.LUA_TNUMBER && Number.isInteger(lua.lua_tonumber(L, -1));
    if (!isIndex || lua.lua_tonumber(L, -1) < 1) {
      lua.lua_pop(L, 1);
      return 0;
    }
    max = Math.max(max, lua.lua_tonumber(L, -1));
    count++;
  }
  return max === count ? count : 0;
}

const ESCAPES: Record<string, string> = {
  '"': '\\"',
  "\\": "\\\\",
  "/": "\\/",
  "\b": "\\b",
  "\f": "\\f",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
};

function encodeString(bytes: Bytes): Bytes {
  let escaped = "";
  for (const char of bytes) {
    const code = char.charCodeAt(0);
    const isControl = code < 0x20 || code === 0x7f;
    escaped += ESCAPES[char] ?? (isControl ? `\\u${code.toString(16).padStart(4, "0")}` : char);
  }
  return `"${escaped}"`;
}

function pushJson(L: LuaState, value: Json): void {
  lua.lua_checkstack(L, 3);
  if (value === null) lua.lua_pushlightuserdata(L, JSON_NULL);
  else if (typeof value === "boolean") lua.lua_pushboolean(L, value);
  else if (typeof value === "number") pushNumber(L, value);
  else if (typeof value === "string") lua.lua_pushstring(L, toLuaString(textToBytes(value)));
  else if (Array.isArray(value)) {
    lua.lua_createtable(L, value.length, 0);
    value.forEach((item, index) => {
      pushJson(L, item);
      lua.lua_rawseti(L, -2, index + 1);
    });
  } else {
    lua.lua_createtable(L, 0, Object.keys(value).length);
    for (const [key, item] of Object.entries(value)) {
      pushJson(L, item);
      lua.lua_setfield(L, -2, toLuaString(textToBytes(key)));
    }
  }
}
