/** The slice of fengari (Lua 5.3 in JS; it ships no types) that the Lua bridge uses. */
declare module "fengari" {
  export type LuaString = Uint8Array;
  export interface LuaState {
    readonly __luaState: unique symbol;
  }
  export type JsFunction = (L: LuaState) => number;

  interface LuaDebug {
    currentline: number;
    source: LuaString | null;
  }

  interface Lua {
    LUA_OK: number;
    LUA_TNIL: number;
    LUA_TBOOLEAN: number;
    LUA_TNUMBER: number;
    LUA_TSTRING: number;
    LUA_TTABLE: number;
    LUA_TLIGHTUSERDATA: number;
    LUA_REGISTRYINDEX: number;
    LUA_MASKCOUNT: number;
    LUA_MULTRET: number;
    lua_Debug: new () => LuaDebug;
    lua_gettop(L: LuaState): number;
    lua_settop(L: LuaState, index: number): void;
    lua_pop(L: LuaState, count: number): void;
    lua_type(L: LuaState, index: number): number;
    lua_toboolean(L: LuaState, index: number): boolean;
    lua_tonumber(L: LuaState, index: number): number;
    lua_tointeger(L: LuaState, index: number): number;
    lua_isinteger(L: LuaState, index: number): boolean;
    lua_tolstring(L: LuaState, index: number): LuaString | null;
    lua_pushnil(L: LuaState): void;
    lua_pushboolean(L: LuaState, value: boolean): void;
    lua_pushinteger(L: LuaState, value: number): void;
    lua_pushnumber(L: LuaState, value: number): void;
    lua_pushstring(L: LuaState, value: LuaString): void;
    lua_pushvalue(L: LuaState, index: number): void;
    lua_pushjsfunction(L: LuaState, fn: JsFunction): void;
    lua_pushlightuserdata(L: LuaState, value: unknown): void;
    lua_touserdata(L: LuaState, index: number): unknown;
    lua_pushglobaltable(L: LuaState): void;
    lua_createtable(L: LuaState, arrayHint: number, hashHint: number): void;
    lua_rawseti(L: LuaState, index: number, n: number): void;
    lua_rawgeti(L: LuaState, index: number, n: number): number;
    lua_rawset(L: LuaState, index: number): void;
    lua_setfield(L: LuaState, index: number, key: LuaString): void;
    lua_getfield(L: LuaState, index: number, key: LuaString): number;
    lua_setglobal(L: LuaState, name: LuaString): void;
    lua_getglobal(L: LuaState, name: LuaString): number;
    lua_setmetatable(L: LuaState, index: number): void;
    lua_next(L: LuaState, index: number): number;
    lua_pcall(L: LuaState, nargs: number, nresults: number, handlerIndex: number): number;
    lua_error(L: LuaState): number;
    lua_getstack(L: LuaState, level: number, ar: LuaDebug): number;
    lua_getinfo(L: LuaState, what: LuaString, ar: LuaDebug): number;
    lua_sethook(L: LuaState, hook: ((L: LuaState) => void) | null, mask: number, count: number): void;
    lua_checkstack(L: LuaState, extra: number): boolean;
  }

  interface LuaAuxLib {
    luaL_newstate(): LuaState;
    luaL_loadbuffer(L: LuaState, buffer: LuaString, size: number | null, chunkName: LuaString): number;
    luaL_ref(L: LuaState, table: number): number;
    luaL_unref(L: LuaState, table: number, ref: number): void;
    luaL_tolstring(L: LuaState, index: number): LuaString;
  }

  interface LuaLib {
    luaL_openlibs(L: LuaState): void;
  }

  const fengari: {
    lua: Lua;
    lauxlib: LuaAuxLib;
    lualib: LuaLib;
    to_luastring(text: string): LuaString;
    to_jsstring(bytes: LuaString): string;
  };
  export default fengari;
}
