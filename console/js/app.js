// The console: sign-in, navigation by the location's hash, and the views.
import {forgetToken, get, setToken, setUnauthenticatedHandler, token} from './api.js';
import {clear} from './dom.js';
import {renderAudit} from './views/audit.js';
import {renderConfigurations} from './views/configurations.js';
import {renderGoals} from './views/goals.js';
import {renderMetrics} from './views/metrics.js';
import {renderSettings} from './views/settings.js';
import {renderThreads} from './views/threads.js';

const VIEWS = {
  goals: renderGoals,
  configurations: renderConfigurations,
  settings: renderSettings,
  threads: renderThreads,
  metrics: renderMetrics,
  audit: renderAudit,
};

const $ = (id) => document.getElementById(id);

function showSignIn(message) {
  $('nav').hidden = true;
  $('sign-out').hidden = true;
  clear($('view'));
  $('sign-in').hidden = false;
  const error = $('sign-in-error');
  error.hidden = !message;
  error.textContent = message || '';
  $('token').focus();
}

function currentView() {
  const name = location.hash.replace(/^#/, '');
  return Object.hasOwn(VIEWS, name) ? name : 'goals';
}

// Views started earlier may still be loading; only the newest may draw.
let generation = 0;

async function render(moved = false) {
  if (!token()) return showSignIn();
  $('sign-in').hidden = true;
  $('nav').hidden = false;
  $('sign-out').hidden = false;
  const name = currentView();
  for (const link of document.querySelectorAll('#nav a')) {
    if (link.dataset.view === name) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  const container = clear($('view'));
  const mine = ++generation;
  container.dataset.view = name;
  const drawing = VIEWS[name](container, () => mine === generation);
  // After a move from the navigation, keyboard and screen reader users land
  // on the new view's heading.
  if (moved) container.querySelector('h2')?.focus();
  await drawing;
}

async function signIn(event) {
  event.preventDefault();
  const input = $('token');
  const value = input.value.trim();
  input.value = '';
  if (!value) return;
  setToken(value);
  try {
    // Any read proves the token; a token without the read scope cannot use
    // the console.
    await get('/v1/businessGoals', {pageSize: 1});
  } catch (error) {
    forgetToken();
    return showSignIn(error.message);
  }
  await render();
}

setUnauthenticatedHandler((error) => {
  forgetToken();
  showSignIn(error ? error.message : '');
});

$('sign-in-form').addEventListener('submit', signIn);
$('sign-out').addEventListener('click', () => {
  forgetToken();
  showSignIn('Signed out.');
});
window.addEventListener('hashchange', () => render(true));
render();
