// The student console page: join with the code in the URL (once), then run the console.
import { Console } from './console.js';
import { codeFromUrl, tokens, saveTokens, request } from './api.js';
const code = codeFromUrl();
let token = tokens(code).student_token;
if (!token) {
  try { const joined = await request('POST', `/api/sessions/${code}/join`); token = joined.student_token; saveTokens(code, { student_token: token }); }
  catch (e) { document.getElementById('root').textContent = e.message; }
}
if (token) window.perfuseConsole = new Console(document.getElementById('root'), { code, token, role: 'student' });
