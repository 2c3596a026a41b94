"""Every word the bot itself shows a person, in each language a channel can read in: one catalogue.

Article text comes from the content pack; this is the frame around it: button labels, context lines,
acknowledgements, errors, help, receipts, leaderboards, Home, modals. A message follows its channel's
language (the plan's, else the channel's pack's default: `bot.flows.channel.channel_language`).
`tests/test_every_language.py` draws every payload in every language and finds no word from another.

Keys are grouped by area, each group under a comment; a feature prefixes its keys (`quiz_`, `home_`...).
The Chinese tables follow the pack's punctuation (ASCII `,:;()`, with `。、「」`). A language without a
table falls back to English, a key missing from a table to the English text (the language test finds both).
"""

from __future__ import annotations

from questions.scripts import TO_SIMPLIFIED, convert

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "read_full": "Read the full section",
        "quick_check": "Quick check",
        "key_figures": "Key figures",
        "section_of": "Section {number} of {total}",
        "introduction": "Introduction",
        "conclusion": "Conclusion",
        "next_on": "next on {when}",
        "full_text": "Full text",
        "close": "Close",
        # polls (bot/blocks/polls.py, bot/flows/polls.py)
        "poll_of": "Poll {number} of {total}",
        "poll_text": "Poll: {question}",
        "poll_results_of": "Results: poll {number}",
        "poll_results_text": "Results: {question}",
        "poll_final_results": "Final results",
        "poll_votes": "Votes",
        "poll_voted": "*{count}* voted",
        "poll_voted_plain": "{count} voted.",
        "poll_hidden": ":see_no_evil: Results are hidden until the poll closes. *{count}* voted so far.",
        "poll_hidden_reply": "Poll {number}: results are hidden until it closes ({count} voted so far).",
        "poll_anonymous": ":bust_in_silhouette: Anonymous: names are never shown or exported. "
                          "The bot keeps your Slack id only to count one vote per person.",
        "poll_closed": ":lock: Closed.",
        "poll_closes": ":alarm_clock: Closes {when}.",
        "poll_change_vote": "Click another option to change your vote.",
        "poll_add_comment": "Add a comment",
        "poll_post": "Post",
        "poll_cancel": "Cancel",
        "poll_anonymous_commenter": "Someone (anonymous)",
        "vote_changed": ":arrows_counterclockwise: Your vote moved to *{option}*.",
        "vote_same": "Your vote for *{option}* is already counted. Click another option to change it.",
        "vote_closed": "Sorry, this poll has closed; votes are no longer taken. `/discuss results` shows the outcome.",
        "vote_unknown": "That poll is no longer available.",
        # quizzes (bot/blocks/quiz.py, bot/flows/quizzes.py)
        "quiz_question_of": "Question {number} of {total}",
        "quiz_question_text": "Quiz question {number}: {question}",
        "quiz_answer_button": "Answer",
        "quiz_live": ":stopwatch: {timer}s · *{answered}* answered · first answers are final",
        "quiz_reveal_of": "Question {number} of {total}: answer",
        "quiz_reveal_text": "Answer: {answer}",
        "quiz_reveal_stats": "{section} · {answered} answered · {correct} right{fastest}",
        "quiz_fastest": " · fastest: {user} in {seconds}s",
        "quiz_estimate_title": "Your estimate",
        "quiz_estimate_label": "Your estimate ({unit})",
        "quiz_a_number": "a number",
        "quiz_lock_in": "Lock in",
        "quiz_cancel": "Cancel",
        "quiz_finished": "Quiz results",
        "quiz_stopped": "Quiz stopped: results so far",
        "quiz_interrupted": "Quiz closed early (the app was away): results so far",
        "quiz_leads": ": {user} leads with {points} points",
        "quiz_reread": ":books: Worth rereading: {pointers}",
        "quiz_nothing_to_reread": ":tada: Every question was mostly answered right: nothing to reread.",
        "quiz_all_time": "All-time leaderboard: `/quiz scores`",
        "quiz_nobody": "Nobody answered.",
        "quiz_row": "{medal} {user} · *{points}* points · {correct} right",
        "quiz_locked": ":lock: Locked in: *{answer}*. The answer is revealed when the timer ends.",
        "quiz_already": "Your first answer, *{answer}*, is already locked in; answers can't be changed.",
        "quiz_closed": "Too late: this question has been revealed. Catch the next one!",
        "quiz_gone": "That question is no longer open.",
        # App Home (bot/blocks/home.py)
        "home_busy": ":hourglass_flowing_sand: Slack is busy, open Home again in a minute.",
        "home_busy_why": "Home shows only the channels you are in, and Slack could not list them just now.",
        # -- from here on, #19's catalogue of the bot's own words, one block per area ------------------
        # shared replies (bot/blocks/replies.py, bot/slack/posting.py failure_notice)
        "reply_try": "Try:",
        "post_fail_not_in_channel": "I can't post in this channel ({code}), so {what} wasn't posted. "
                                    "Invite me with `/invite`, then try again.",
        "post_fail_payload": "Slack refused {what} itself ({code}). That is a fault in the app, not in your "
                             "channel; it has been logged for whoever runs the app.",
        "post_fail_token": "The app's access to this workspace no longer works ({code}): an admin needs to "
                           "reinstall it.",
        "post_fail_other": "Slack didn't take {what} ({code}); try again in a minute.",
        "post_fail_an_error": "an error",
        # dates and days (bot/blocks/digest.py format_when, describe_days; bot/blocks/polls.py format_close)
        "weekday_names": "Mon Tue Wed Thu Fri Sat Sun",
        "month_names": "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec",
        "when_soon": "{weekday} {time}",
        "when_later": "{weekday} {day} {month} {time}",
        "poll_close_when": "{weekday} {time} ({zone})",
        "days_daily": "daily",
        "days_weekdays": "weekdays",
        "days_weekends": "weekends",
        "day_list_names": "mon tue wed thu fri sat sun",
        "day_list_join": ",",
        # command grammar errors (bot/domain/digest.py, quiz.py, polls.py)
        "cmd_takes_nothing": "`{verb}` takes nothing after it.",
        "cmd_unknown": "I don't know `{word}`.",
        "cmd_show_which": "Say which section to show, e.g. `/digest show 3`.",
        "cmd_lang_which": "Say which language, e.g. `/digest lang en`.",
        "cmd_schedule_needs": "A schedule needs days and a time, e.g. `/digest schedule weekdays 09:30`.",
        "cmd_not_a_time": "`{text}` is not a time; use 24-hour HH:MM such as 09:30.",
        "cmd_not_a_timezone": "`{text}` is not an IANA timezone; try one like Europe/London or America/New_York.",
        "cmd_not_days": "`{text}` is not a day list; use daily, weekdays or days like mon,wed,fri.",
        "quiz_cmd_timer": "The timer is a number of seconds from {low} to {high}.",
        "quiz_cmd_section_which": "Say which section, e.g. `/quiz section 3`.",
        "quiz_cmd_unknown": "I don't understand `{text}`; a quiz has 1 to {most} questions.",
        "discuss_cmd_close_which": "Say which poll to close, e.g. `/discuss close 2`.",
        "discuss_cmd_results_one": "`results` takes at most one poll number.",
        "discuss_cmd_not_a_poll": "`{word}` is not a poll number; this article has polls 1–{count}.",
        "discuss_cmd_one_closing": "Give one closing time: `closes 18:00` or `closes in 2h`.",
        "discuss_cmd_closes_needs": "`closes` needs a time like `closes 18:00` or `closes in 2h`.",
        "discuss_cmd_unknown_option": "I don't know the option `{word}`.",
        # /digest's replies (bot/blocks/digest.py, bot/flows/plans.py, bot/flows/digests.py)
        "digest_help_title": "*Reading the article together, one section at a time.*",
        "digest_help_channel": "*This channel:* {summary}",
        "digest_help_footer": "Only you can see this. Changing the schedule is for workspace admins and the plan's "
                              "owner.",
        "digest_help_text": "How to use /digest",
        "digest_contents_text": "Table of contents",
        "digest_contents_legend": ":white_check_mark: posted · :arrow_right: next · `/digest show N` to read one",
        "digest_no_section": "There is no section `{ref}`: this article has sections {first}–{last}, plus `intro` "
                             "and `conclusion`.",
        "plan_none": "no reading plan yet. Start one with `/digest schedule weekdays 09:30`.",
        "plan_progress": "{done} of {total} posts done",
        "plan_finished": "finished (use `/digest restart` to read it again)",
        "plan_unscheduled": "no schedule yet (post with `/digest next`, or set one with `/digest schedule`)",
        "plan_paused": "paused ({days} at {time} {timezone})",
        "plan_scheduled": "{days} at {time} {timezone}; next: {next}",
        "plan_summary": "_{title}_ · {progress} · {state} · language {tag}",
        "plan_schedule_set": ":calendar: <@{who}> set this channel's reading plan: *{days}* at *{time}* "
                             "({timezone}). Next post: *{next}*.",
        "plan_not_yours": "Sorry, only workspace admins and <@{owner}>, who set up this channel's plan, can change "
                          "it. `/digest show N` and `/digest list` are open to everyone.",
        "plan_missing": "This channel has no reading plan yet. Start one with `/digest schedule weekdays 09:30`.",
        "plan_posted": "Posted part {number} of {total}.",
        "plan_all_posted": "Every section has been posted. `/digest restart` starts the article again.",
        "plan_cant_post": "I can't post here (Slack says `{error}`). Invite me to this channel, then try again.",
        "plan_post_taken": "That post is already on its way.",
        "plan_post_unconfirmed": "Slack's answer was lost and I couldn't check the channel for the post; nothing "
                                 "was skipped. `/digest next` again looks for it before posting it a second time.",
        "plan_post_refused": "Slack didn't take the post (`{error}`); nothing was skipped. Try again in a minute.",
        "plan_schedule_not_posted": "{message} (I couldn't post in the channel: invite me so the posts can "
                                    "arrive.)",
        "plan_saved": "Saved. Next post: {next}.",
        "plan_paused_reply": "Paused. `/digest resume` picks up where we left off.",
        "plan_nothing_to_resume": "There is no schedule to resume yet: set one with `/digest schedule weekdays "
                                  "09:30`.",
        "plan_resumed": "Resumed. Next post: {next}.",
        "plan_restarted": "Back to the start: the next post is the introduction again.",
        "plan_lang_unknown": "This article is available in {languages}; `{requested}` isn't one.",
        "plan_lang_set": "From now on this channel reads in `{tag}`.",
        "plan_paused_dm": ":pause_button: I paused the reading plan for <#{channel}>: Slack answered `{error}` when "
                          "I tried to post there. {what_to_do}, then `/digest resume` in it.",
        "plan_paused_reinstall": "An admin needs to reinstall the app (its access to this workspace stopped "
                                 "working)",
        "plan_paused_invite": "Invite me back (or unarchive the channel)",
        # /quiz's replies (bot/blocks/quiz.py, bot/flows/quizzes.py, bot/listeners/views/quiz.py)
        "quiz_col_player": "Player",
        "quiz_col_points": "Points",
        "quiz_col_right": "Right",
        "quiz_scores_empty": "No quiz has been played in this channel yet. `/quiz` starts one.",
        "quiz_scores_text": "Quiz leaderboard",
        "quiz_scores_title": "Leaderboard: this channel, all time",
        "quiz_placeholder": "e.g. 1.4",
        "quiz_type_a_number": "Type a number, like 1.4 or 800.",
        "quiz_already_running_join": "A quiz is already running in this channel. Join in, or `/quiz stop` it first.",
        "quiz_already_running": "A quiz is already running in this channel.",
        "quiz_no_section_questions": "There are no quiz questions for section `{ref}`; sections with questions: "
                                     "{numbers}.",
        "quiz_none_running": "No quiz is running in this channel.",
        "quiz_stop_not_yours": "Sorry, only <@{host}>, who started this quiz, or an admin can stop it.",
        "quiz_stopped_reply": "Quiz stopped; the results so far are in the channel.",
        "quiz_on": "Quiz on: {count} questions, {timer}s each.",
        "quiz_on_one": "Quiz on: 1 question, {timer}s each.",
        "quiz_no_questions": "This article has no quiz questions yet.",
        "quiz_first_question": "the first question",
        "quiz_help_text": "How to use /quiz",
        "quiz_help": """*Quick quizzes on the article's key figures.*
• `/quiz` asks 5 questions across the sections; `/quiz 3` asks 3 (1–10); `/quiz section 4` one from section 4.
  Add `timer 30` for 30 seconds a question (10–300, default 45), e.g. `/quiz 5 timer 30`.
• Click an option, or *Answer* to type an estimate. Only you see "locked in" with your answer.
  *Your first answer is final:* it can't be changed, so the live "N answered" count gives nothing away.
• When the timer ends the question shows the answer, who got it right and the fastest; then the next one.
  At the end: the quiz's leaderboard and the sections worth rereading.
• `/quiz scores` shows this channel's all-time leaderboard; `/quiz stop` ends a quiz (its host or an admin).
*Scoring:* speed = 1 − seconds taken ÷ timer. A right choice scores 100 × (1 + speed ÷ 2), so 100–150.
An estimate within the tolerance scores (50 + 50 × closeness) × (1 + speed ÷ 2), closeness = 1 − error ÷
tolerance: exact and instant is 150, at the edge of the tolerance 50–75. Wrong answers score 0.""",
        # /discuss's replies (bot/blocks/polls.py, bot/flows/polls.py, bot/listeners/views/polls.py)
        "poll_heading": "Poll {number}: {question}",
        "poll_comment_length": "Write between 1 and {most} characters.",
        "poll_comment_closed": "This poll has closed.",
        "discuss_results_text": "Poll results",
        "discuss_none_posted": "No poll has been posted in this channel yet. `/discuss` posts them.",
        "discuss_not_posted": "Poll {number} hasn't been posted in this channel.",
        "discuss_close_not_yours": "Sorry, only <@{poster}>, who posted it, or an admin can close poll {number}.",
        "discuss_already_closed": "Poll {number} was already closed.",
        "discuss_closed": "Poll {number} is closed; the results are in the channel.",
        "discuss_export_admins": "Sorry, exporting the team's answers is for workspace admins.",
        "discuss_poll_n": "poll {number}",
        "discuss_post_unconfirmed": "Slack's answer to poll {number} was lost and I couldn't check the channel. "
                                    "`/discuss {number}` again looks for it before posting it a second time.",
        "discuss_posted_one": "Posted poll {numbers}.",
        "discuss_posted_many": "Posted polls {numbers}.",
        "discuss_help_text": "How to use /discuss",
        "discuss_help": """*Team polls on the article's closing questions.*
• `/discuss` posts all three polls; `/discuss 2` posts one. Add `anonymous`, `hidden` (results shown only at
  close) and `closes 18:00` or `closes in 2h`, e.g. `/discuss 1 anonymous closes in 1d`.
• `/discuss results [N]` shows the tally to you; `/discuss close N` closes a poll (its poster or an admin);
  `/discuss export` (admins) sends you every vote, comment and quiz answer as a CSV file.
• One vote per person: clicking another option moves your vote; clicking your own option again keeps it.
• *Add a comment* opens a form; comments appear in the poll's thread (unsigned on anonymous polls).
• Anonymous polls never show or export names; the bot keeps your Slack id only to count one vote each.""",
        # export (bot/flows/export.py)
        "export_title": "Team responses ({count} rows)",
        "export_comment": "Votes, comments, quiz answers and thread replies, one row each.",
        "export_failed": "I couldn't send the file (`{error}`). `python -m bot export` works on the server.",
        "export_sent": "Sent {count} rows to your direct messages.",
        # App Home (bot/blocks/home.py, bot/flows/home.py)
        "home_tagline": "Reading an article together: digests, quizzes, polls.",
        "home_plans": "Reading plans",
        "home_no_plans": "No channel is reading yet. In a channel, try `/digest schedule weekdays 09:30`.",
        "home_progress": "{done} of {total}",
        "home_start_quiz": "Start a quiz",
        "home_post_next": "Post next",
        "home_more_channels": "…and {count} more channels.",
        "home_polls": "Open polls",
        "home_no_polls": "No open polls. `/discuss` in a channel posts the article's closing questions.",
        "home_more_polls": "…and {count} more open polls.",
        "home_scores": "Quiz scores",
        "home_my_score": "You: *{points}* points, rank *#{rank}* in this workspace.",
        "home_not_played": "You haven't played yet: `/quiz` in a channel, or *Start a quiz* above.",
        "home_leaderboard": "Leaderboard",
        "home_leader_row": "{rank}. <@{user}> · {points} points · {correct} right",
        "home_state_finished": "finished",
        "home_state_unscheduled": "no schedule",
        "home_state_paused": "paused",
        "home_state_next_yours": "next: {when} (your time)",
        "home_state_next_zone": "next: {when} ({zone})",
        "home_poll_hidden": "Results are hidden until it closes.",
        # /discuss export (bot/flows/export.py)
        "export_preparing": "Preparing the export; the file will be in your direct messages when it is ready.",
        "export_busy": "An export is already being prepared; yours can start once it has been sent.",
        "export_prepare_failed": "I couldn't prepare the file. `python -m bot export` works on the server.",
        "export_send_failed": "I couldn't send the file. `python -m bot export` works on the server.",
        # the disk refused a write (bot/ingest/storage_faults.py)
        "storage_not_saved": ":warning: Not saved: the bot cannot write its data right now. Try again in a minute.",
        # articles: what a channel reads (bot/flows/articles.py, bot/blocks/articles.py, Home)
        "article_list_title": "Articles this workspace can read",
        "article_row": "*{title}* · `{id}` · {languages} · {sections} sections, {questions} questions · {origin}",
        "article_builtin": "built in",
        "article_added": "added here",
        "article_reading_here": ":book: this channel is reading it ({done} of {total})",
        "article_progress": "read {done} of {total} here",
        "article_how": "`/digest read ID` starts this channel on one (plan managers); "
                       "`/digest add URL` adds an article from the web (admins).",
        "article_more": "…and {count} more.",
        "article_unknown": "This workspace has no article `{id}`. `/digest articles` lists the ones it has.",
        "article_already": "This channel is already reading *{title}*.",
        "article_from_start": "from the introduction",
        "article_carry_on": "carrying on where this channel left it ({done} of {total} done)",
        "article_now_reading": "This channel now reads *{title}*, {where}. `/digest next` posts the next part.",
        "article_kept": "Where it was in *{title}* is kept: `/digest read {id}` comes back to it.",
        "article_admins_only": "Sorry, only workspace admins can add articles.",
        "article_fetching": "Fetching {url}: I'll tell you here when the article is ready.",
        "article_failed": "I couldn't make an article from {url}: {reason}",
        "article_ready": "*{title}* is ready for this workspace: {sections} sections, {questions} quiz questions, "
                         "{polls} polls. `/digest read {id}` starts a channel on it.",
        "article_review": "Worth a look before reading: {count} notes from `python -m bot pack check` "
                          "(`python -m bot pack export {id}` writes it out for editing).",
        "home_articles": "Articles",
        "home_article_row": "*{title}* · `{id}` · {origin} · read in {count} channel(s)",
        "cmd_read_which": "Say which article, by its id from `/digest articles`.",
        "cmd_add_which": "Give the article's web address, starting with http:// or https://.",
        # thread replies (bot/blocks/discussion.py, bot/flows/replies.py)
        "reply_invite": ":speech_balloon: Reply in this thread: your answers become this section's discussion",
        "reply_count": ":speech_balloon: {replies} from {people}",
        "reply_n": "{n} replies",
        "reply_1": "1 reply",
        "reply_people_n": "{n} people",
        "reply_people_1": "1 person",
        "reply_recap": ":leftwards_arrow_with_hook: *Last time, {section}:* {people} replied.",
        "reply_recap_top": "The reply with the most reactions ({reactions}):",
        "reply_recap_link": "View in thread",
        "reply_privacy_off": "Your thread replies are now kept out of recaps and exports (they stay in Slack as "
                             "they are). `/digest privacy on` shares them again.",
        "reply_privacy_on": "Your thread replies may be quoted in recaps and exported again. "
                            "`/digest privacy off` keeps them out.",
        "reply_report_title": "Team report: {title}",
        "reply_report_chart": "Participation per section",
        "reply_report_replies": "Replies",
        "reply_report_right": "Quiz % right",
        "reply_report_section": "{section}: {replies} · {quiz}",
        "reply_report_quiz": "{pct}% right in quizzes",
        "reply_report_no_quiz": "no quiz answers",
        "reply_report_poll": "Poll {number}: {voters} voted · {replies}",
        "reply_report_most": "*Most discussed:* {section} ({replies})",
        "reply_report_hardest": "*Hardest in the quizzes:* {section} ({pct}% right)",
        "reply_report_quiet": "No section had replies in its thread yet.",
        "home_discussion": ":speech_balloon: {replies} from {people} in the threads",
    },
    "zh-Hant": {
        "read_full": "閱讀全文",
        "quick_check": "小測驗",
        "key_figures": "關鍵數字",
        "section_of": "第 {number} 節,共 {total} 節",
        "introduction": "引言",
        "conclusion": "結語",
        "next_on": "下一篇:{when}",
        "full_text": "全文",
        "close": "關閉",
        "poll_of": "投票 {number}/{total}",
        "poll_text": "投票:{question}",
        "poll_results_of": "投票 {number} 結果",
        "poll_results_text": "結果:{question}",
        "poll_final_results": "最終結果",
        "poll_votes": "票數",
        "poll_voted": "已有 *{count}* 人投票",
        "poll_voted_plain": "共 {count} 人投票。",
        "poll_hidden": ":see_no_evil: 投票結束前不公開結果。目前已有 *{count}* 人投票。",
        "poll_hidden_reply": "投票 {number}:結束前不公開結果(目前已有 {count} 人投票)。",
        "poll_anonymous": ":bust_in_silhouette: 匿名投票:任何地方都不會顯示或匯出姓名。"
                          "機器人只保留你的 Slack ID,用來確保每人只投一票。",
        "poll_closed": ":lock: 已結束。",
        "poll_closes": ":alarm_clock: 截止:{when}。",
        "poll_change_vote": "點選其他選項即可更改投票。",
        "poll_add_comment": "留言",
        "poll_post": "送出",
        "poll_cancel": "取消",
        "poll_anonymous_commenter": "匿名",
        "vote_changed": ":arrows_counterclockwise: 你的一票已改投「{option}」。",
        "vote_same": "你投給「{option}」的一票已經計入。點選其他選項即可更改。",
        "vote_closed": "抱歉,這個投票已結束,不再接受投票。`/discuss results` 可查看結果。",
        "vote_unknown": "這個投票已不存在。",
        # quizzes
        "quiz_question_of": "第 {number} 題,共 {total} 題",
        "quiz_question_text": "小測驗第 {number} 題:{question}",
        "quiz_answer_button": "作答",
        "quiz_live": ":stopwatch: {timer} 秒 · 已有 *{answered}* 人作答 · 第一次作答即為最終答案",
        "quiz_reveal_of": "第 {number} 題,共 {total} 題:答案",
        "quiz_reveal_text": "答案:{answer}",
        "quiz_reveal_stats": "{section} · {answered} 人作答 · {correct} 人答對{fastest}",
        "quiz_fastest": " · 最快答對:{user},{seconds} 秒",
        "quiz_estimate_title": "你的估計",
        "quiz_estimate_label": "你的估計({unit})",
        "quiz_a_number": "一個數字",
        "quiz_lock_in": "確定",
        "quiz_cancel": "取消",
        "quiz_finished": "小測驗結果",
        "quiz_stopped": "小測驗已停止:目前的結果",
        "quiz_interrupted": "小測驗提前結束(應用程式曾離線):目前的結果",
        "quiz_leads": ":{user} 以 {points} 分領先",
        "quiz_reread": ":books: 值得重讀:{pointers}",
        "quiz_nothing_to_reread": ":tada: 每題大多數人都答對了:不必重讀。",
        "quiz_all_time": "歷來排行榜:`/quiz scores`",
        "quiz_nobody": "沒有人作答。",
        "quiz_row": "{medal} {user} · *{points}* 分 · 答對 {correct} 題",
        "quiz_locked": ":lock: 已鎖定:*{answer}*。計時結束後公布答案。",
        "quiz_already": "你的第一個答案 *{answer}* 已經鎖定,不能更改。",
        "quiz_closed": "太遲了:這題已經公布答案。下一題見!",
        "quiz_gone": "這題已經不再開放作答。",
        "home_busy": ":hourglass_flowing_sand: Slack 正忙,請過一分鐘再打開首頁。",
        "home_busy_why": "首頁只顯示你所在的頻道,而 Slack 此刻無法列出這些頻道。",
        # -- #19's catalogue, the same blocks as in "en" -------------------------------------------------
        # shared replies
        "reply_try": "試試:",
        "post_fail_not_in_channel": "我無法在這個頻道發文({code}),所以「{what}」沒有發出。"
                                    "請用 `/invite` 邀請我,再試一次。",
        "post_fail_payload": "Slack 拒收了「{what}」本身({code})。這是應用程式的問題,不是你的頻道的問題;已記錄下來,"
                             "交給負責運作這個應用程式的人。",
        "post_fail_token": "這個應用程式對本工作區的存取權已失效({code}):需要由管理員重新安裝。",
        "post_fail_other": "Slack 沒有接受「{what}」({code});請過一分鐘再試。",
        "post_fail_an_error": "錯誤",
        # dates and days
        "weekday_names": "週一 週二 週三 週四 週五 週六 週日",
        "month_names": "1月 2月 3月 4月 5月 6月 7月 8月 9月 10月 11月 12月",
        "when_soon": "{weekday} {time}",
        "when_later": "{month}{day}日({weekday}) {time}",
        "poll_close_when": "{weekday} {time}({zone})",
        "days_daily": "每天",
        "days_weekdays": "週一至週五",
        "days_weekends": "週末",
        "day_list_names": "週一 週二 週三 週四 週五 週六 週日",
        "day_list_join": "、",
        # command grammar errors
        "cmd_takes_nothing": "`{verb}` 後面不接任何內容。",
        "cmd_unknown": "我不認得 `{word}`。",
        "cmd_show_which": "請說明要看哪一節,例如 `/digest show 3`。",
        "cmd_lang_which": "請說明語言,例如 `/digest lang en`。",
        "cmd_schedule_needs": "排程需要日子和時間,例如 `/digest schedule weekdays 09:30`。",
        "cmd_not_a_time": "`{text}` 不是時間;請用 24 小時制的 `HH:MM`,例如 09:30。",
        "cmd_not_a_timezone": "`{text}` 不是 IANA 時區;請用像 `Asia/Taipei` 或 `Asia/Shanghai` 這樣的時區。",
        "cmd_not_days": "`{text}` 不是日子清單;請用 `daily`、`weekdays`,或像 `mon,wed,fri` 這樣的日子。",
        "quiz_cmd_timer": "計時是 {low} 到 {high} 之間的秒數。",
        "quiz_cmd_section_which": "請說明哪一節,例如 `/quiz section 3`。",
        "quiz_cmd_unknown": "我看不懂 `{text}`;一次小測驗有 1 到 {most} 題。",
        "discuss_cmd_close_which": "請說明要結束哪個投票,例如 `/discuss close 2`。",
        "discuss_cmd_results_one": "`results` 後面最多只接一個投票編號。",
        "discuss_cmd_not_a_poll": "`{word}` 不是投票編號;這篇文章的投票是 1–{count}。",
        "discuss_cmd_one_closing": "請只給一個截止時間:`closes 18:00` 或 `closes in 2h`。",
        "discuss_cmd_closes_needs": "`closes` 後面要接時間,例如 `closes 18:00` 或 `closes in 2h`。",
        "discuss_cmd_unknown_option": "我不認得 `{word}` 這個選項。",
        # /digest's replies
        "digest_help_title": "*一起讀這篇文章,一次一節。*",
        "digest_help_channel": "*本頻道:*{summary}",
        "digest_help_footer": "只有你看得到這則訊息。只有工作區管理員和閱讀計畫的建立者可以更改排程。",
        "digest_help_text": "如何使用 /digest",
        "digest_contents_text": "目錄",
        "digest_contents_legend": ":white_check_mark: 已發布 · :arrow_right: 下一篇 · 用 `/digest show N` 閱讀其中一節",
        "digest_no_section": "沒有 `{ref}` 這一節:這篇文章有第 {first}–{last} 節,另有 `intro` 和 `conclusion`。",
        "plan_none": "還沒有閱讀計畫。用 `/digest schedule weekdays 09:30` 開始。",
        "plan_progress": "已發布 {done}/{total} 篇",
        "plan_finished": "已讀完(用 `/digest restart` 可以再讀一遍)",
        "plan_unscheduled": "尚未排程(用 `/digest next` 發布,或用 `/digest schedule` 設定排程)",
        "plan_paused": "已暫停({days} {time},{timezone})",
        "plan_scheduled": "{days} {time}({timezone});下一篇:{next}",
        "plan_summary": "_{title}_ · {progress} · {state} · 語言 `{tag}`",
        "plan_schedule_set": ":calendar: <@{who}> 設定了本頻道的閱讀計畫:*{days}* *{time}*({timezone})。"
                             "下一篇:*{next}*。",
        "plan_not_yours": "抱歉,只有工作區管理員和設定本頻道閱讀計畫的 <@{owner}> 可以更改。"
                          "`/digest show N` 和 `/digest list` 人人都能用。",
        "plan_missing": "本頻道還沒有閱讀計畫。用 `/digest schedule weekdays 09:30` 開始。",
        "plan_posted": "已發布第 {number} 篇,共 {total} 篇。",
        "plan_all_posted": "每一節都已發布。`/digest restart` 可以從頭再讀一遍。",
        "plan_cant_post": "我無法在這裡發文(Slack 回覆 `{error}`)。請先邀請我加入本頻道,再試一次。",
        "plan_post_taken": "這篇已經在發送中。",
        "plan_post_unconfirmed": "Slack 的回覆遺失了,我也無法在頻道裡確認這篇是否已發出;沒有任何一篇被跳過。"
                                 "再用一次 `/digest next`,我會先找找看,找不到才重發。",
        "plan_post_refused": "Slack 沒有接受這篇(`{error}`);沒有任何一篇被跳過。請過一分鐘再試。",
        "plan_schedule_not_posted": "{message}(我無法在頻道裡發文:請邀請我加入,文章才能送達。)",
        "plan_saved": "已儲存。下一篇:{next}。",
        "plan_paused_reply": "已暫停。`/digest resume` 會從上次停下的地方繼續。",
        "plan_nothing_to_resume": "還沒有可以恢復的排程:請用 `/digest schedule weekdays 09:30` 設定。",
        "plan_resumed": "已恢復。下一篇:{next}。",
        "plan_restarted": "回到開頭:下一篇又是引言。",
        "plan_lang_unknown": "這篇文章提供的語言有 {languages};沒有 `{requested}`。",
        "plan_lang_set": "從現在起,本頻道以 `{tag}` 閱讀。",
        "plan_paused_dm": ":pause_button: 我暫停了 <#{channel}> 的閱讀計畫:我在那裡發文時,Slack 回覆 `{error}`。"
                          "{what_to_do},然後在該頻道用 `/digest resume`。",
        "plan_paused_reinstall": "需要由管理員重新安裝這個應用程式(它對本工作區的存取權已失效)",
        "plan_paused_invite": "請重新邀請我(或將頻道取消封存)",
        # /quiz's replies
        "quiz_col_player": "玩家",
        "quiz_col_points": "分數",
        "quiz_col_right": "答對",
        "quiz_scores_empty": "本頻道還沒有玩過小測驗。用 `/quiz` 開始一場。",
        "quiz_scores_text": "小測驗排行榜",
        "quiz_scores_title": "排行榜:本頻道歷來成績",
        "quiz_placeholder": "例如 1.4",
        "quiz_type_a_number": "請輸入數字,例如 1.4 或 800。",
        "quiz_already_running_join": "本頻道已經有一場小測驗在進行。一起參加,或先用 `/quiz stop` 結束它。",
        "quiz_already_running": "本頻道已經有一場小測驗在進行。",
        "quiz_no_section_questions": "第 `{ref}` 節沒有小測驗題目;有題目的章節:{numbers}。",
        "quiz_none_running": "本頻道目前沒有進行中的小測驗。",
        "quiz_stop_not_yours": "抱歉,只有發起這場小測驗的 <@{host}> 或管理員可以結束它。",
        "quiz_stopped_reply": "小測驗已停止;目前的結果已發在頻道裡。",
        "quiz_on": "小測驗開始:共 {count} 題,每題 {timer} 秒。",
        "quiz_on_one": "小測驗開始:共 1 題,限時 {timer} 秒。",
        "quiz_no_questions": "這篇文章還沒有小測驗題目。",
        "quiz_first_question": "第一題",
        "quiz_help_text": "如何使用 /quiz",
        "quiz_help": """*根據文章關鍵數字出題的快速小測驗。*
• `/quiz` 從各節出 5 題;`/quiz 3` 出 3 題(1–10);`/quiz section 4` 從第 4 節出一題。
  加上 `timer 30` 可讓每題限時 30 秒(10–300,預設 45),例如 `/quiz 5 timer 30`。
• 點選一個選項,或點 *作答* 輸入估計值。只有你看得到「已鎖定」和你的答案。
  *第一次作答即為最終答案:* 答案不能更改,所以即時的「已有 N 人作答」不會洩漏任何線索。
• 計時結束時,題目會顯示答案、答對的人和最快答對的人;接著出下一題。
  最後公布這場小測驗的排行榜,以及值得重讀的章節。
• `/quiz scores` 顯示本頻道的歷來排行榜;`/quiz stop` 結束小測驗(發起人或管理員)。
*計分:* 速度 = 1 − 作答秒數 ÷ 計時。選對得 100 × (1 + 速度 ÷ 2) 分,即 100–150 分。
估計值在容許誤差內得 (50 + 50 × 接近度) × (1 + 速度 ÷ 2) 分,接近度 = 1 − 誤差 ÷ 容許誤差:
完全正確且立即作答得 150 分,剛好在容許誤差邊緣得 50–75 分。答錯得 0 分。""",
        # /discuss's replies
        "poll_heading": "投票 {number}:{question}",
        "poll_comment_length": "請寫 1 到 {most} 個字。",
        "poll_comment_closed": "這個投票已結束。",
        "discuss_results_text": "投票結果",
        "discuss_none_posted": "本頻道還沒有發布過投票。用 `/discuss` 發布。",
        "discuss_not_posted": "投票 {number} 還沒有在本頻道發布。",
        "discuss_close_not_yours": "抱歉,只有發布投票 {number} 的 <@{poster}> 或管理員可以結束它。",
        "discuss_already_closed": "投票 {number} 早已結束。",
        "discuss_closed": "投票 {number} 已結束;結果已發在頻道裡。",
        "discuss_export_admins": "抱歉,只有工作區管理員可以匯出團隊的回答。",
        "discuss_poll_n": "投票 {number}",
        "discuss_post_unconfirmed": "Slack 對投票 {number} 的回覆遺失了,我也無法在頻道裡確認。"
                                    "再用一次 `/discuss {number}`,我會先找找看,找不到才重發。",
        "discuss_posted_one": "已發布投票 {numbers}。",
        "discuss_posted_many": "已發布投票 {numbers}。",
        "discuss_help_text": "如何使用 /discuss",
        "discuss_help": """*針對文章結尾問題的團隊投票。*
• `/discuss` 發布全部三個投票;`/discuss 2` 只發布一個。可以加上 `anonymous`、`hidden`(結束時才公布結果)
  以及 `closes 18:00` 或 `closes in 2h`,例如 `/discuss 1 anonymous closes in 1d`。
• `/discuss results [N]` 只讓你看到目前的票數;`/discuss close N` 結束一個投票(發布者或管理員);
  `/discuss export`(管理員)把每一票、每則留言和每個小測驗答案做成檔案傳給你。
• 每人一票:點選其他選項會改投;再點一次自己選的選項則維持原票。
• *留言* 會開啟表單;留言會出現在投票的討論串中(匿名投票不署名)。
• 匿名投票任何地方都不會顯示或匯出姓名;機器人只保留你的 Slack ID,用來確保每人只投一票。""",
        # export
        "export_title": "團隊回應({count} 筆)",
        "export_comment": "投票、留言、小測驗答案和討論串回覆,每筆一列。",
        "export_failed": "我無法傳送檔案(`{error}`)。在伺服器上可以用 `python -m bot export`。",
        "export_sent": "已把 {count} 筆資料傳到你的私訊。",
        # App Home
        "home_tagline": "一起讀一篇文章:摘要、小測驗、投票。",
        "home_plans": "閱讀計畫",
        "home_no_plans": "還沒有頻道在閱讀。在頻道裡試試 `/digest schedule weekdays 09:30`。",
        "home_progress": "{done}/{total}",
        "home_start_quiz": "開始小測驗",
        "home_post_next": "發布下一篇",
        "home_more_channels": "…還有 {count} 個頻道。",
        "home_polls": "進行中的投票",
        "home_no_polls": "沒有進行中的投票。在頻道裡用 `/discuss` 發布文章的結尾問題。",
        "home_more_polls": "…還有 {count} 個進行中的投票。",
        "home_scores": "小測驗分數",
        "home_my_score": "你:*{points}* 分,在本工作區排名第 *{rank}*。",
        "home_not_played": "你還沒玩過:在頻道裡用 `/quiz`,或點上方的 *開始小測驗*。",
        "home_leaderboard": "排行榜",
        "home_leader_row": "{rank}. <@{user}> · {points} 分 · 答對 {correct} 題",
        "home_state_finished": "已讀完",
        "home_state_unscheduled": "未排程",
        "home_state_paused": "已暫停",
        "home_state_next_yours": "下一篇:{when}(你的時間)",
        "home_state_next_zone": "下一篇:{when}({zone})",
        "home_poll_hidden": "結束前不公開結果。",
        "export_preparing": "正在準備匯出檔案;準備好後會傳到你的私訊。",
        "export_busy": "已有一份匯出正在準備;等它送出後才能開始你的。",
        "export_prepare_failed": "我無法準備這個檔案。可在伺服器上使用 `python -m bot export`。",
        "export_send_failed": "我無法傳送檔案。在伺服器上可以用 `python -m bot export`。",
        "storage_not_saved": ":warning: 沒有儲存:機器人此刻無法寫入資料。請過一分鐘再試。",
        "article_list_title": "這個工作區可讀的文章",
        "article_row": "*{title}* · `{id}` · {languages} · {sections} 節,{questions} 題 · {origin}",
        "article_builtin": "內建",
        "article_added": "本工作區新增",
        "article_reading_here": ":book: 這個頻道正在讀(已讀 {done}/{total})",
        "article_progress": "這個頻道讀到 {done}/{total}",
        "article_how": "`/digest read ID` 讓這個頻道改讀一篇(計畫管理者);`/digest add URL` 從網路新增文章(管理員)。",
        "article_more": "……還有 {count} 篇。",
        "article_unknown": "這個工作區沒有文章 `{id}`。`/digest articles` 會列出現有的文章。",
        "article_already": "這個頻道已經在讀 *{title}*。",
        "article_from_start": "從引言開始",
        "article_carry_on": "從上次停下的地方繼續(已讀 {done}/{total})",
        "article_now_reading": "這個頻道現在讀 *{title}*,{where}。`/digest next` 發出下一部分。",
        "article_kept": "*{title}* 的進度會保留:`/digest read {id}` 可以回到那裡。",
        "article_admins_only": "抱歉,只有工作區管理員可以新增文章。",
        "article_fetching": "正在擷取 {url}:文章準備好時會在這裡告訴你。",
        "article_failed": "無法從 {url} 做出文章:{reason}",
        "article_ready": "*{title}* 已可在這個工作區閱讀:{sections} 節、{questions} 道測驗題、{polls} 個投票。"
                         "`/digest read {id}` 讓頻道開始讀它。",
        "article_review": "閱讀前值得看看:`python -m bot pack check` 有 {count} 項提示"
                          "(`python -m bot pack export {id}` 可匯出編輯)。",
        "home_articles": "文章",
        "home_article_row": "*{title}* · `{id}` · {origin} · {count} 個頻道在讀",
        "cmd_read_which": "請說明要讀哪一篇,用 `/digest articles` 列出的 ID。",
        "cmd_add_which": "請給文章的網址,以 http:// 或 https:// 開頭。",
        "reply_invite": ":speech_balloon: 在此討論串回覆:你的回答會成為這一節的討論",
        "reply_count": ":speech_balloon: {people}回覆了 {replies}",
        "reply_n": "{n} 則",
        "reply_1": "1 則",
        "reply_people_n": "{n} 人",
        "reply_people_1": "1 人",
        "reply_recap": ":leftwards_arrow_with_hook: *上一次,{section}:* {people}回覆。",
        "reply_recap_top": "最多人回應的回覆({reactions}):",
        "reply_recap_link": "查看討論串",
        "reply_privacy_off": "你的討論串回覆今後不會出現在回顧與匯出中(在 Slack 裡保持原樣)。"
                             "`/digest privacy on` 可恢復分享。",
        "reply_privacy_on": "你的討論串回覆將可再次在回顧中引用並匯出。`/digest privacy off` 可排除。",
        "reply_report_title": "團隊報告:{title}",
        "reply_report_chart": "各節參與情況",
        "reply_report_replies": "回覆",
        "reply_report_right": "答對率 %",
        "reply_report_section": "{section}:{replies} · {quiz}",
        "reply_report_quiz": "小測驗答對 {pct}%",
        "reply_report_no_quiz": "沒有小測驗作答",
        "reply_report_poll": "投票 {number}:{voters} 人投票 · {replies}",
        "reply_report_most": "*討論最多:* {section}({replies})",
        "reply_report_hardest": "*小測驗最難:* {section}(答對 {pct}%)",
        "reply_report_quiet": "目前還沒有任何一節的討論串有回覆。",
        "home_discussion": ":speech_balloon: 討論串中{people}回覆了 {replies}",
    },
}



def _derived(table: dict[str, str], conversion: str) -> dict[str, str]:
    """A language's table made from another's by OpenCC script conversion (keys and `{fields}` untouched)."""
    return {key: convert(text, conversion) for key, text in table.items()}


# zh-Hans is zh-Hant converted (OpenCC tw2s), the same way packs derive it: one text to keep, two scripts.
STRINGS["zh-Hans"] = _derived(STRINGS["zh-Hant"], TO_SIMPLIFIED)


def t(language: str, key: str, **values: object) -> str:
    table = STRINGS.get(language) or STRINGS.get(language.split("-")[0]) or STRINGS["en"]
    return (table.get(key) or STRINGS["en"][key]).format(**values)


def known(key: str) -> bool:
    """Whether `key` is in the catalogue (text that is not a key is shown as it is: see CommandError)."""
    return key in STRINGS["en"]


def word_list(language: str, key: str) -> list[str]:
    """A space-separated entry as its words: weekday and month names, in order."""
    return t(language, key).split()


def pick(localized: dict[str, str], language: str, fallback: str = "en") -> str:
    """A pack text in `language`, else the fallback, else any language it has."""
    return localized.get(language) or localized.get(fallback) or next(iter(localized.values()), "")
