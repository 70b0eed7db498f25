<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="zh_CN">
<context>
    <name>MaintenanceScreen</name>
    <message>
        <location filename="../maintenance.py" line="0" />
        <source>Maintenance: equipment faults</source>
        <translation>维修：设备故障</translation>
    </message>
    <message>
        <location filename="../maintenance.py" line="0" />
        <source>Device / instrument</source>
        <translation>设备 / 仪表</translation>
    </message>
    <message>
        <location filename="../maintenance.py" line="0" />
        <source>Fault</source>
        <translation>故障</translation>
    </message>
    <message>
        <location filename="../maintenance.py" line="0" />
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../maintenance.py" line="0" />
        <source>Since</source>
        <translation>开始时间</translation>
    </message>
    <message>
        <location filename="../maintenance.py" line="0" />
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <location filename="../maintenance.py" line="0" />
        <source>Out of service</source>
        <translation>退出服务</translation>
    </message>
    <message>
        <location filename="../maintenance.py" line="0" />
        <source>Instrument</source>
        <translation>仪表</translation>
    </message>
    <message>
        <location filename="../maintenance.py" line="0" />
        <source>By</source>
        <translation>操作人</translation>
    </message>
    <message>
        <location filename="../maintenance.py" line="0" />
        <source>Expected back</source>
        <translation>预计恢复</translation>
    </message>
    <message>
        <location filename="../maintenance.py" line="0" />
        <source>Work notes</source>
        <translation>工作记录</translation>
    </message>
    <message>
        <location filename="../maintenance.py" line="0" />
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <location filename="../maintenance.py" line="0" />
        <source>On</source>
        <translation>对象</translation>
    </message>
    <message>
        <location filename="../maintenance.py" line="0" />
        <source>Work order</source>
        <translation>工单</translation>
    </message>
    <message>
        <location filename="../maintenance.py" line="0" />
        <source>Note</source>
        <translation>记录</translation>
    </message>
    <message>
        <location filename="../maintenance.py" line="0" />
        <source>Work note</source>
        <translation>工作记录</translation>
    </message>
    <message>
        <location filename="../maintenance.py" line="0" />
        <source>Back at</source>
        <translation>恢复时间</translation>
    </message>
    <message>
        <location filename="../maintenance.py" line="0" />
        <source>what was found or done</source>
        <translation>发现了什么、做了什么</translation>
    </message>
    <message>
        <location filename="../maintenance.py" line="0" />
        <source>why it is out of service</source>
        <translation>退出服务的原因</translation>
    </message>
    <message>
        <location filename="../maintenance.py" line="0" />
        <source>Acknowledge with note</source>
        <translation>确认并记录</translation>
    </message>
    <message>
        <location filename="../maintenance.py" line="0" />
        <source>Take out of service</source>
        <translation>退出服务</translation>
    </message>
    <message>
        <location filename="../maintenance.py" line="0" />
        <source>Return to service</source>
        <translation>恢复服务</translation>
    </message>
    <message>
        <location filename="../maintenance.py" line="0" />
        <source>communication</source>
        <translation>通讯</translation>
    </message>
    <message>
        <location filename="../maintenance.py" line="0" />
        <source>instrument</source>
        <translation>仪表</translation>
    </message>
    <message>
        <location filename="../maintenance.py" line="0" />
        <source>analyser fault</source>
        <translation>分析仪故障</translation>
    </message>
    <message>
        <location filename="../maintenance.py" line="0" />
        <source>Devices failed: %1 · instrument faults: %2 · analyser faults: %3</source>
        <translation>设备故障：%1 · 仪表故障：%2 · 分析仪故障：%3</translation>
    </message>
    <message>
        <location filename="../maintenance.py" line="0" />
        <source>Not done: %1</source>
        <translation>未执行：%1</translation>
    </message>
</context>
<context>
    <name>MaintenanceScreen</name>
    <message>
        <location filename="../maintenance_faults.py" line="0" />
        <source>implausible value %1, outside the valid range %2 ... %3</source>
        <translation>数值不可信 %1，超出有效范围 %2 ... %3</translation>
    </message>
    <message>
        <location filename="../maintenance_faults.py" line="0" />
        <source>implausible value: not a finite number</source>
        <translation>数值不可信：不是有限数</translation>
    </message>
    <message>
        <location filename="../maintenance_faults.py" line="0" />
        <source>stale: no update within the device's stale periods</source>
        <translation>数据陈旧：在设备规定周期内没有更新</translation>
    </message>
    <message>
        <location filename="../maintenance_faults.py" line="0" />
        <source>not yet polled</source>
        <translation>尚未轮询</translation>
    </message>
    <message>
        <location filename="../maintenance_faults.py" line="0" />
        <source>bad quality</source>
        <translation>质量坏</translation>
    </message>
    <message>
        <location filename="../maintenance_faults.py" line="0" />
        <source>the device reports: %1</source>
        <translation>设备报告：%1</translation>
    </message>
    <message>
        <location filename="../maintenance_faults.py" line="0" />
        <source>uncertain</source>
        <translation>不确定</translation>
    </message>
    <message>
        <location filename="../maintenance_faults.py" line="0" />
        <source>%1 tags not good</source>
        <translation>%1 个位号质量不良</translation>
    </message>
</context>
<context>
    <name>alarm_text</name>
    <message>
        <source>History samples lost: the history database refused them for too long (see Diagnostics)</source>
        <translation>历史样本丢失：历史数据库长时间拒绝写入（见诊断）</translation>
    </message>
    <message>
        <location filename="../alarm_text.py" line="0" />
        <source>back %s</source>
        <translation>预计 %s 恢复</translation>
    </message>
    <message>
        <location filename="../alarm_text.py" line="0" />
        <source>A maintenance note</source>
        <translation>维修记录</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../main_window.py" line="0" />
        <source>Maintenance</source>
        <translation>维修</translation>
    </message>
</context>
<context>
    <name>HelpOverlay</name>
    <message>
        <location filename="../help_overlay.py" line="0" />
        <source>Equipment faults by device: failed communication, bad instruments, analyser faults; work notes, out of service with expected return.</source>
        <translation>按设备列出的设备故障：通讯失败、仪表坏值、分析仪故障；工作记录、退出服务及预计恢复时间。</translation>
    </message>
</context>
<context>
    <name>AlarmHistoryScreen</name>
    <message>
        <location filename="../alarm_history.py" line="0" />
        <source>Exporting ...</source>
        <translation>正在导出 ...</translation>
    </message>
    <message>
        <location filename="../alarm_history.py" line="0" />
        <source>Exported %d lines to %s</source>
        <translation>已导出 %d 行到 %s</translation>
    </message>
    <message>
        <location filename="../alarm_history.py" line="0" />
        <source>Printing ...</source>
        <translation>正在打印 ...</translation>
    </message>
    <message>
        <location filename="../alarm_history.py" line="0" />
        <source>Printed %d lines to %s</source>
        <translation>已打印 %d 行到 %s</translation>
    </message>
    <message>
        <location filename="../alarm_history.py" line="0" />
        <source>Failed: %s</source>
        <translation>失败：%s</translation>
    </message>
    <message>
        <location filename="../alarm_history.py" line="0" />
        <source>page %d of %d</source>
        <translation>第 %d 页，共 %d 页</translation>
    </message>
    <message>
        <location filename="../alarm_history.py" line="100" />
        <source>All areas</source>
        <translation>全部区域</translation>
    </message>
    <message>
        <location filename="../alarm_history.py" line="104" />
        <source>All priorities</source>
        <translation>全部优先级</translation>
    </message>
    <message>
        <location filename="../alarm_history.py" line="108" />
        <source>All events</source>
        <translation>全部事件</translation>
    </message>
    <message>
        <location filename="../alarm_history.py" line="112" />
        <source>Tag or text</source>
        <translation>位号或文字</translation>
    </message>
    <message>
        <location filename="../alarm_history.py" line="114" />
        <source>User</source>
        <translation>用户</translation>
    </message>
    <message>
        <location filename="../alarm_history.py" line="115" />
        <source>Search</source>
        <translation>搜索</translation>
    </message>
    <message>
        <location filename="../alarm_history.py" line="116" />
        <source>Export CSV...</source>
        <translation>导出 CSV…</translation>
    </message>
    <message>
        <location filename="../alarm_history.py" line="117" />
        <source>Print PDF...</source>
        <translation>打印 PDF…</translation>
    </message>
    <message>
        <location filename="../alarm_history.py" line="135" />
        <source>From</source>
        <translation>从</translation>
    </message>
    <message>
        <location filename="../alarm_history.py" line="136" />
        <source>to</source>
        <translation>至</translation>
    </message>
    <message>
        <location filename="../alarm_history.py" line="175" />
        <source> (limit reached)</source>
        <translation>（已达上限）</translation>
    </message>
    <message>
        <location filename="../alarm_history.py" line="176" />
        <source>%d journal lines</source>
        <translation>%d 条日志</translation>
    </message>
    <message>
        <location filename="../alarm_history.py" line="198" />
        <source>Alarm history - %s</source>
        <translation>报警历史 － %s</translation>
    </message>
    <message>
        <location filename="../alarm_history.py" line="200" />
        <source>Period %s; %d lines; printed by %s at %s</source>
        <translation>时段 %s；%d 行；由 %s 于 %s 打印</translation>
    </message>
    <message>
        <location filename="../alarm_history.py" line="220" />
        <source>Alarm history</source>
        <translation>报警历史</translation>
    </message>
    <message>
        <location filename="../alarm_history.py" line="228" />
        <source>Export alarm history</source>
        <translation>导出报警历史</translation>
    </message>
    <message>
        <location filename="../alarm_history.py" line="235" />
        <source>Print alarm history</source>
        <translation>打印报警历史</translation>
    </message>
</context>
<context>
    <name>AlarmKpiScreen</name>
    <message>
        <location filename="../alarm_kpi.py" line="53" />
        <source>Last shift (8 h)</source>
        <translation>上一班（8 小时）</translation>
    </message>
    <message>
        <location filename="../alarm_kpi.py" line="54" />
        <source>Last day</source>
        <translation>最近一天</translation>
    </message>
    <message>
        <location filename="../alarm_kpi.py" line="55" />
        <source>Last 30 days</source>
        <translation>最近 30 天</translation>
    </message>
    <message>
        <location filename="../alarm_kpi.py" line="56" />
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <location filename="../alarm_kpi.py" line="63" />
        <source>Alarms per 10 min (target 1, max 2)</source>
        <translation>每 10 分钟报警数（目标 1，最大 2）</translation>
    </message>
    <message>
        <location filename="../alarm_kpi.py" line="64" />
        <source>Alarms per hour (target 6, max 12)</source>
        <translation>每小时报警数（目标 6，最大 12）</translation>
    </message>
    <message>
        <location filename="../alarm_kpi.py" line="65" />
        <source>Alarms per day (target 150, max 300)</source>
        <translation>每天报警数（目标 150，最大 300）</translation>
    </message>
    <message>
        <location filename="../alarm_kpi.py" line="66" />
        <source>Time in flood (&gt; 10 in 10 min; target &lt; 1 %)</source>
        <translation>泛滥时间占比（10 分钟 &gt; 10 条；目标 &lt; 1%）</translation>
    </message>
    <message>
        <location filename="../alarm_kpi.py" line="67" />
        <source>Peak 10-minute count (target &lt;= 10)</source>
        <translation>10 分钟峰值（目标 ≤ 10）</translation>
    </message>
    <message>
        <location filename="../alarm_kpi.py" line="68" />
        <source>Top-10 share of all alarms</source>
        <translation>前 10 位报警占比</translation>
    </message>
    <message>
        <location filename="../alarm_kpi.py" line="69" />
        <source>Priority split low / medium / high (80 / 15 / 5)</source>
        <translation>优先级分布 低 / 中 / 高（80 / 15 / 5）</translation>
    </message>
    <message>
        <location filename="../alarm_kpi.py" line="87" />
        <source>Period</source>
        <translation>时段</translation>
    </message>
    <message>
        <location filename="../alarm_kpi.py" line="97" />
        <source>Top 10 alarms</source>
        <translation>前 10 位报警</translation>
    </message>
    <message>
        <location filename="../alarm_kpi.py" line="98" />
        <source>Chattering (&gt;= 3 in 1 min)</source>
        <translation>振荡报警（1 分钟内 ≥ 3 次）</translation>
    </message>
    <message>
        <location filename="../alarm_kpi.py" line="99" />
        <source>Stale (active &gt; 24 h)</source>
        <translation>陈旧报警（持续 &gt; 24 小时）</translation>
    </message>
    <message>
        <location filename="../alarm_kpi.py" line="100" />
        <source>Shelved / out of service</source>
        <translation>搁置 / 停用</translation>
    </message>
    <message>
        <location filename="../alarm_kpi.py" line="156" />
        <source>Alarms per %s (bars) vs manageable (dashed) and maximum (solid)</source>
        <translation>每%s报警数（柱）与可管理值（虚线）和最大值（实线）</translation>
    </message>
    <message>
        <location filename="../alarm_kpi.py" line="175" />
        <source>Priority % (dark) vs target</source>
        <translation>优先级占比（深色）与目标</translation>
    </message>
    <message>
        <source>%d h %02d min</source>
        <translation>%d 小时 %02d 分钟</translation>
    </message>
    <message>
        <source>%s - %s %s by %s: %s</source>
        <translation>%s - %s %s，操作人 %s：%s</translation>
    </message>
    <message>
        <source>10 min</source>
        <translation>10 分钟</translation>
    </message>
    <message>
        <source>hour</source>
        <translation>小时</translation>
    </message>
    <message>
        <source>day</source>
        <translation>天</translation>
    </message>
</context>
<context>
    <name>AlarmScreen</name>
    <message>
        <location filename="../alarms.py" line="0" />
        <source>Unshelving</source>
        <translation>正在取消搁置</translation>
    </message>
    <message>
        <location filename="../alarms.py" line="0" />
        <source>Returning</source>
        <translation>正在恢复投用</translation>
    </message>
    <message>
        <location filename="../alarms.py" line="0" />
        <source>Resetting</source>
        <translation>正在复位</translation>
    </message>
    <message>
        <location filename="../alarms.py" line="0" />
        <source>Acknowledging %d alarms</source>
        <translation>正在确认 %d 条报警</translation>
    </message>
    <message>
        <location filename="../alarms.py" line="0" />
        <source>Shelving %d alarms</source>
        <translation>正在搁置 %d 条报警</translation>
    </message>
    <message>
        <location filename="../alarms.py" line="0" />
        <source>Taking %d alarms out of service</source>
        <translation>正在将 %d 条报警退出服务</translation>
    </message>
    <message>
        <location filename="../alarms.py" line="87" />
        <source>Active alarms</source>
        <translation>当前报警</translation>
    </message>
    <message>
        <location filename="../alarms.py" line="88" />
        <source>Shelved / suppressed / out of service</source>
        <translation>搁置 / 抑制 / 停用</translation>
    </message>
    <message>
        <location filename="../alarms.py" line="90" />
        <source>All areas</source>
        <translation>全部区域</translation>
    </message>
    <message>
        <location filename="../alarms.py" line="94" />
        <source>All priorities</source>
        <translation>全部优先级</translation>
    </message>
    <message>
        <location filename="../alarms.py" line="101" />
        <source>All states</source>
        <translation>全部状态</translation>
    </message>
    <message>
        <location filename="../alarms.py" line="102" />
        <source>Unacknowledged</source>
        <translation>未确认</translation>
    </message>
    <message>
        <location filename="../alarms.py" line="103" />
        <source>Active</source>
        <translation>报警中</translation>
    </message>
    <message>
        <location filename="../alarms.py" line="104" />
        <source>Cleared</source>
        <translation>已恢复</translation>
    </message>
    <message>
        <location filename="../alarms.py" line="105" />
        <source>Latched</source>
        <translation>锁存</translation>
    </message>
    <message>
        <location filename="../alarms.py" line="109" />
        <source>Search tag or message</source>
        <translation>搜索位号或信息</translation>
    </message>
    <message>
        <location filename="../alarms.py" line="122" />
        <source>Acknowledge selected</source>
        <translation>确认所选</translation>
    </message>
    <message>
        <location filename="../alarms.py" line="123" />
        <source>Acknowledge page</source>
        <translation>确认本页</translation>
    </message>
    <message>
        <location filename="../alarms.py" line="124" />
        <source>Acknowledge every alarm shown with the current filter</source>
        <translation>确认当前筛选下显示的所有报警</translation>
    </message>
    <message>
        <location filename="../alarms.py" line="125" />
        <source>Shelve...</source>
        <translation>搁置…</translation>
    </message>
    <message>
        <location filename="../alarms.py" line="126" />
        <source>Unshelve</source>
        <translation>取消搁置</translation>
    </message>
    <message>
        <location filename="../alarms.py" line="127" />
        <source>Out of service...</source>
        <translation>停用…</translation>
    </message>
    <message>
        <location filename="../alarms.py" line="128" />
        <source>Return to service</source>
        <translation>恢复投用</translation>
    </message>
    <message>
        <location filename="../alarms.py" line="129" />
        <source>Reset latched</source>
        <translation>复位锁存</translation>
    </message>
    <message>
        <location filename="../alarms.py" line="169" />
        <source>Area</source>
        <translation>区域</translation>
    </message>
    <message>
        <location filename="../alarms.py" line="170" />
        <source>Priority</source>
        <translation>优先级</translation>
    </message>
    <message>
        <location filename="../alarms.py" line="171" />
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../alarms.py" line="274" />
        <source>Alarm action refused</source>
        <translation>报警操作被拒绝</translation>
    </message>
    <message>
        <location filename="../alarms.py" line="321" />
        <source>%d alarms shown, %d unacknowledged</source>
        <translation>显示 %d 条报警，%d 条未确认</translation>
    </message>
</context>
<context>
    <name>AlarmTableModel</name>
    <message>
        <location filename="../alarm_table.py" line="68" />
        <source>Time raised</source>
        <translation>发生时间</translation>
    </message>
    <message>
        <location filename="../alarm_table.py" line="69" />
        <source>Priority</source>
        <translation>优先级</translation>
    </message>
    <message>
        <location filename="../alarm_table.py" line="70" />
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../alarm_table.py" line="71" />
        <source>Tag</source>
        <translation>位号</translation>
    </message>
    <message>
        <location filename="../alarm_table.py" line="72" />
        <source>Message</source>
        <translation>信息</translation>
    </message>
    <message>
        <location filename="../alarm_table.py" line="73" />
        <source>Value</source>
        <translation>数值</translation>
    </message>
    <message>
        <location filename="../alarm_table.py" line="74" />
        <source>Limit</source>
        <translation>限值</translation>
    </message>
    <message>
        <location filename="../alarm_table.py" line="75" />
        <source>Area</source>
        <translation>区域</translation>
    </message>
</context>
<context>
    <name>DiagnosticsScreen</name>
    <message>
        <source>History: %d samples waiting to be written, %d lost</source>
        <translation>历史：%d 个样本待写入，%d 个丢失</translation>
    </message>
    <message>
        <location filename="../diagnostics.py" line="90" />
        <source>Device communication diagnostics</source>
        <translation>设备通讯诊断</translation>
    </message>
    <message>
        <location filename="../diagnostics.py" line="92" />
        <source>Device</source>
        <translation>设备</translation>
    </message>
    <message>
        <location filename="../diagnostics.py" line="93" />
        <source>Protocol</source>
        <translation>协议</translation>
    </message>
    <message>
        <location filename="../diagnostics.py" line="94" />
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../diagnostics.py" line="95" />
        <source>Requests</source>
        <translation>请求数</translation>
    </message>
    <message>
        <location filename="../diagnostics.py" line="96" />
        <source>Errors</source>
        <translation>错误</translation>
    </message>
    <message>
        <location filename="../diagnostics.py" line="97" />
        <source>Last error</source>
        <translation>最近错误</translation>
    </message>
    <message>
        <location filename="../diagnostics.py" line="98" />
        <source>Last error at</source>
        <translation>最近错误时间</translation>
    </message>
    <message>
        <location filename="../diagnostics.py" line="99" />
        <source>Latency median (ms)</source>
        <translation>延迟中位数（ms）</translation>
    </message>
    <message>
        <location filename="../diagnostics.py" line="100" />
        <source>Latency p99 (ms)</source>
        <translation>延迟 p99（ms）</translation>
    </message>
    <message>
        <location filename="../diagnostics.py" line="101" />
        <source>Reconnects</source>
        <translation>重连次数</translation>
    </message>
    <message>
        <location filename="../diagnostics.py" line="102" />
        <source>Scan overruns</source>
        <translation>扫描超时</translation>
    </message>
    <message>
        <location filename="../diagnostics.py" line="103" />
        <source>Requests per scan</source>
        <translation>每次扫描请求数</translation>
    </message>
    <message>
        <location filename="../diagnostics.py" line="104" />
        <source>Tags not good</source>
        <translation>质量异常位号</translation>
    </message>
    <message>
        <location filename="../diagnostics.py" line="132" />
        <source>%d of %d devices connected; %d requests per scan in all</source>
        <translation>%d / %d 台设备已连接；每次扫描共 %d 个请求</translation>
    </message>
    <message>
        <source>connecting</source>
        <translation>连接中</translation>
    </message>
    <message>
        <source>connected</source>
        <translation>已连接</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>故障</translation>
    </message>
    <message>
        <source>stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <source>connect failed</source>
        <translation>连接失败</translation>
    </message>
    <message>
        <source>communication failure</source>
        <translation>通讯故障</translation>
    </message>
</context>
<context>
    <name>FaceplateDialog</name>
    <message>
        <location filename="../faceplate.py" line="0" />
        <source>%s%s is above the write limit %s%s</source>
        <translation>%s%s 高于写入上限 %s%s</translation>
    </message>
    <message>
        <location filename="../faceplate.py" line="0" />
        <source>%s%s is below the write limit %s%s</source>
        <translation>%s%s 低于写入下限 %s%s</translation>
    </message>
    <message>
        <location filename="../faceplate.py" line="0" />
        <source>no reason given</source>
        <translation>未给出原因</translation>
    </message>
    <message>
        <location filename="../faceplate.py" line="153" />
        <source>Faceplate - %s</source>
        <translation>面板 － %s</translation>
    </message>
    <message>
        <location filename="../faceplate.py" line="155" />
        <source>Alarms</source>
        <translation>报警</translation>
    </message>
    <message>
        <location filename="../faceplate.py" line="156" />
        <source>Open trend</source>
        <translation>打开趋势</translation>
    </message>
    <message>
        <location filename="../faceplate.py" line="157" />
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <location filename="../faceplate.py" line="160" />
        <source>Setpoint</source>
        <translation>设定值</translation>
    </message>
    <message>
        <location filename="../faceplate.py" line="162" />
        <source>limits %s ... %s</source>
        <translation>限值 %s … %s</translation>
    </message>
    <message>
        <location filename="../faceplate.py" line="164" />
        <source>Write...</source>
        <translation>写入…</translation>
    </message>
    <message>
        <location filename="../faceplate.py" line="165" />
        <source>Confirm write</source>
        <translation>确认写入</translation>
    </message>
    <message>
        <location filename="../faceplate.py" line="166" />
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../faceplate.py" line="175" />
        <source>Quality: %s</source>
        <translation>质量：%s</translation>
    </message>
    <message>
        <location filename="../faceplate.py" line="190" />
        <source>good</source>
        <translation>良好</translation>
    </message>
    <message>
        <location filename="../faceplate.py" line="192" />
        <source>uncertain</source>
        <translation>不确定</translation>
    </message>
    <message>
        <location filename="../faceplate.py" line="193" />
        <source>bad</source>
        <translation>坏值</translation>
    </message>
    <message>
        <location filename="../faceplate.py" line="197" />
        <source>No alarms</source>
        <translation>无报警</translation>
    </message>
    <message>
        <location filename="../faceplate.py" line="228" />
        <source>Write %s %s to %s (now %s)?</source>
        <translation>将 %s %s 写入 %s（当前 %s）？</translation>
    </message>
    <message>
        <location filename="../faceplate.py" line="242" />
        <source>Writing %s ...</source>
        <translation>正在写入 %s …</translation>
    </message>
    <message>
        <location filename="../faceplate.py" line="259" />
        <source>, read back %s</source>
        <translation>，回读 %s</translation>
    </message>
    <message>
        <location filename="../faceplate.py" line="261" />
        <source>Written %s%s</source>
        <translation>已写入 %s%s</translation>
    </message>
    <message>
        <location filename="../faceplate.py" line="263" />
        <source>Write refused: %s</source>
        <translation>写入被拒绝：%s</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Tag missing</source>
        <translation>位号缺失</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>removed from the configuration</source>
        <translation>已从组态中删除</translation>
    </message>
</context>
<context>
    <name>FurnaceScreen</name>
    <message>
        <location filename="../furnace.py" line="59" />
        <source>Feeds: setpoint / measured</source>
        <translation>给料：设定 / 实测</translation>
    </message>
    <message>
        <location filename="../furnace.py" line="60" />
        <source>Process gas</source>
        <translation>工艺气体</translation>
    </message>
    <message>
        <location filename="../furnace.py" line="63" />
        <source>Concentrate burner</source>
        <translation>精矿喷嘴</translation>
    </message>
    <message>
        <location filename="../furnace.py" line="66" />
        <source>Reaction</source>
        <translation>反应</translation>
    </message>
    <message>
        <location filename="../furnace.py" line="67" />
        <source>shaft</source>
        <translation>塔</translation>
    </message>
    <message>
        <location filename="../furnace.py" line="73" />
        <source>Settler</source>
        <translation>沉淀池</translation>
    </message>
    <message>
        <location filename="../furnace.py" line="74" />
        <source>slag</source>
        <translation>渣层</translation>
    </message>
    <message>
        <location filename="../furnace.py" line="75" />
        <source>matte</source>
        <translation>冰铜</translation>
    </message>
    <message>
        <location filename="../furnace.py" line="78" />
        <source>Uptake</source>
        <translation>上升烟道</translation>
    </message>
    <message>
        <location filename="../furnace.py" line="81" />
        <source>Off-gas to boiler and acid plant</source>
        <translation>烟气去余热锅炉和制酸</translation>
    </message>
    <message>
        <location filename="../furnace.py" line="85" />
        <source>Lab assays</source>
        <translation>化验结果</translation>
    </message>
</context>
<context>
    <name>GasAcidScreen</name>
    <message>
        <location filename="../gas_acid.py" line="67" />
        <source>Stack emissions against GB 25467-2010 limits</source>
        <translation>烟囱排放与 GB 25467-2010 限值对比</translation>
    </message>
    <message>
        <location filename="../gas_acid.py" line="73" />
        <source>Limits (mg/Nm³): %s</source>
        <translation>限值（mg/Nm³）：%s</translation>
    </message>
    <message>
        <location filename="../gas_acid.py" line="81" />
        <source>From furnace uptake</source>
        <translation>来自上升烟道</translation>
    </message>
    <message>
        <location filename="../gas_acid.py" line="84" />
        <source>Waste-heat boiler</source>
        <translation>余热锅炉</translation>
    </message>
    <message>
        <location filename="../gas_acid.py" line="87" />
        <source>Precipitator</source>
        <translation>电收尘器</translation>
    </message>
    <message>
        <location filename="../gas_acid.py" line="90" />
        <source>Gas cleaning</source>
        <translation>净化</translation>
    </message>
    <message>
        <location filename="../gas_acid.py" line="93" />
        <source>Drying</source>
        <translation>干燥塔</translation>
    </message>
    <message>
        <location filename="../gas_acid.py" line="94" />
        <source>Acid-plant inlet</source>
        <translation>制酸入口</translation>
    </message>
    <message>
        <location filename="../gas_acid.py" line="100" />
        <source>Converter (4 beds)</source>
        <translation>转化器（四段）</translation>
    </message>
    <message>
        <location filename="../gas_acid.py" line="103" />
        <source>Interm. absorber</source>
        <translation>中间吸收塔</translation>
    </message>
    <message>
        <location filename="../gas_acid.py" line="109" />
        <source>Final absorber</source>
        <translation>最终吸收塔</translation>
    </message>
    <message>
        <location filename="../gas_acid.py" line="112" />
        <source>Stack</source>
        <translation>烟囱</translation>
    </message>
</context>
<context>
    <name>GuidanceScreen</name>
    <message>
        <source>Hold — model not trusted: not yet calibrated on this plant's history</source>
        <translation>保持 — 模型不可信：尚未用本厂历史数据校准</translation>
    </message>
    <message>
        <source>Hold — model not trusted: only {count} recent {output} results (needs {needed})</source>
        <translation>保持 — 模型不可信：{output}近期只有 {count} 个结果（需要 {needed} 个）</translation>
    </message>
    <message>
        <source>Hold — model not trusted: recent {output} error {rmse:.3g} exceeds {bound:g}</source>
        <translation>保持 — 模型不可信：{output}近期误差 {rmse:.3g} 超过 {bound:g}</translation>
    </message>
    <message>
        <source>Hold — the predicted improvement of {output} ({improvement:.3g}) is within the uncertainty</source>
        <translation>保持 — {output}的预测改善（{improvement:.3g}）在不确定度之内</translation>
    </message>
    <message>
        <source>Hold — every move would take {output} farther from its target</source>
        <translation>保持 — 任何调整都会使{output}偏离目标更远</translation>
    </message>
    <message>
        <source>Hold</source>
        <translation>保持</translation>
    </message>
    <message>
        <source>Grade target</source>
        <translation>品位目标</translation>
    </message>
    <message>
        <source>Temp. target</source>
        <translation>温度目标</translation>
    </message>
    <message>
        <source>Fe/SiO2 target</source>
        <translation>铁硅比目标</translation>
    </message>
    <message>
        <source>Set targets</source>
        <translation>设定目标</translation>
    </message>
    <message>
        <source>Targets set: grade %.1f %% Cu, %.0f °C, Fe/SiO2 %.2f</source>
        <translation>目标已设定：品位 %.1f %% Cu，%.0f °C，铁硅比 %.2f</translation>
    </message>
    <message>
        <location filename="../guidance.py" line="117" />
        <source>Predictions (model) vs latest measurements</source>
        <translation>模型预测与最新实测对比</translation>
    </message>
    <message>
        <location filename="../guidance.py" line="120" />
        <source>Predicted now</source>
        <translation>当前预测</translation>
    </message>
    <message>
        <location filename="../guidance.py" line="121" />
        <source>± 1σ</source>
        <translation>± 1σ</translation>
    </message>
    <message>
        <location filename="../guidance.py" line="122" />
        <source>Heading to</source>
        <translation>趋向</translation>
    </message>
    <message>
        <location filename="../guidance.py" line="123" />
        <source>Last measured</source>
        <translation>最近实测</translation>
    </message>
    <message>
        <location filename="../guidance.py" line="124" />
        <source>Target</source>
        <translation>目标</translation>
    </message>
    <message>
        <location filename="../guidance.py" line="128" />
        <source>Recommendation</source>
        <translation>建议</translation>
    </message>
    <message>
        <location filename="../guidance.py" line="130" />
        <source>Current</source>
        <translation>当前</translation>
    </message>
    <message>
        <location filename="../guidance.py" line="130" />
        <source>Recommended</source>
        <translation>建议值</translation>
    </message>
    <message>
        <location filename="../guidance.py" line="130" />
        <source>Limited by</source>
        <translation>受限于</translation>
    </message>
    <message>
        <location filename="../guidance.py" line="133" />
        <source>Accept and write setpoints…</source>
        <translation>接受并写入设定值…</translation>
    </message>
    <message>
        <location filename="../guidance.py" line="134" />
        <source>Reject</source>
        <translation>拒绝</translation>
    </message>
    <message>
        <location filename="../guidance.py" line="135" />
        <source>Reason (required to reject)</source>
        <translation>原因（拒绝时必填）</translation>
    </message>
    <message>
        <location filename="../guidance.py" line="138" />
        <source>Rolling accuracy (predicted for the sample time vs measured, grade) and grade forecast (h)</source>
        <translation>滚动精度（取样时刻预测与实测品位对比）及品位预测（小时）</translation>
    </message>
    <message>
        <location filename="../guidance.py" line="186" />
        <source>Predicted outcome: </source>
        <translation>预测结果：</translation>
    </message>
    <message>
        <location filename="../guidance.py" line="186" />
        <source>No recommendation yet</source>
        <translation>尚无建议</translation>
    </message>
    <message>
        <location filename="../guidance.py" line="226" />
        <source>No measurements learnt yet</source>
        <translation>尚无学习到的测量值</translation>
    </message>
    <message>
        <location filename="../guidance.py" line="235" />
        <source>Write recommended setpoints?</source>
        <translation>写入建议的设定值？</translation>
    </message>
    <message>
        <location filename="../guidance.py" line="251" />
        <source>Not written (cancelled)</source>
        <translation>未写入（已取消）</translation>
    </message>
    <message>
        <location filename="../guidance.py" line="260" />
        <source>Writing setpoints…</source>
        <translation>正在写入设定值…</translation>
    </message>
    <message>
        <location filename="../guidance.py" line="273" />
        <source>Rejected: </source>
        <translation>已拒绝：</translation>
    </message>
    <message>
        <location filename="../guidance.py" line="283" />
        <source>Setpoints written</source>
        <translation>已写入设定值</translation>
    </message>
    <message>
        <location filename="../guidance.py" line="283" />
        <source>Write refused: </source>
        <translation>写入被拒绝：</translation>
    </message>
    <message>
        <source>%s: RMSE %s, MAE %s %s (%d samples)</source>
        <translation>%s：RMSE %s，MAE %s %s（%d 个样本）</translation>
    </message>
    <message>
        <source>no change</source>
        <translation>维持不变</translation>
    </message>
    <message>
        <source>recommended</source>
        <translation>按建议</translation>
    </message>
    <message>
        <source>target</source>
        <translation>目标</translation>
    </message>
    <message>
        <source>equipment limit</source>
        <translation>设备限值</translation>
    </message>
    <message>
        <source>rate limit</source>
        <translation>变化速率限值</translation>
    </message>
    <message>
        <source>Matte grade</source>
        <translation>冰铜品位</translation>
    </message>
    <message>
        <source>Matte temperature</source>
        <translation>冰铜温度</translation>
    </message>
    <message>
        <source>Slag Fe/SiO2</source>
        <translation>渣 Fe/SiO2</translation>
    </message>
    <message>
        <source>Tonnage oxygen</source>
        <translation>工业氧</translation>
    </message>
    <message>
        <source>Silica flux</source>
        <translation>石英熔剂</translation>
    </message>
    <message>
        <source>Fuel</source>
        <translation>燃料</translation>
    </message>
</context>
<context>
    <name>HeaderBar</name>
    <message>
        <source>View only</source>
        <translation>仅查看</translation>
    </message>
    <message>
        <source>%s (%s)</source>
        <translation>%s（%s）</translation>
    </message>
    <message>
        <source>View only - not logged in</source>
        <translation>仅查看 - 未登录</translation>
    </message>
    <message>
        <source>operator</source>
        <translation>操作员</translation>
    </message>
    <message>
        <source>supervisor</source>
        <translation>值班长</translation>
    </message>
    <message>
        <source>maintenance</source>
        <translation>维修</translation>
    </message>
    <message>
        <source>engineer</source>
        <translation>工程师</translation>
    </message>
    <message>
        <source>administrator</source>
        <translation>管理员</translation>
    </message>
    <message>
        <source>User: %s (%s)</source>
        <translation>用户：%s（%s）</translation>
    </message>
    <message>
        <source>Switch user</source>
        <translation>切换用户</translation>
    </message>
    <message>
        <source>Log in</source>
        <translation>登录</translation>
    </message>
    <message>
        <source>Log in with a PIN</source>
        <translation>用PIN码登录</translation>
    </message>
    <message>
        <source>Log out</source>
        <translation>注销</translation>
    </message>
    <message>
        <location filename="../header.py" line="185" />
        <location filename="../header.py" line="250" />
        <source>No unacknowledged alarms</source>
        <translation>无未确认报警</translation>
    </message>
    <message>
        <location filename="../header.py" line="189" />
        <source>Silence</source>
        <translation>消音</translation>
    </message>
    <message>
        <location filename="../header.py" line="190" />
        <source>Silence the horn; the alarms stay unacknowledged</source>
        <translation>消除声响；报警仍为未确认</translation>
    </message>
    <message>
        <location filename="../header.py" line="229" />
        <source>Shelved %d
Out of service %d</source>
        <translation>搁置 %d
停用 %d</translation>
    </message>
    <message>
        <location filename="../header.py" line="236" />
        <source>User: %s</source>
        <translation>用户：%s</translation>
    </message>
    <message>
        <location filename="../header.py" line="255" />
        <source>%s (cleared)</source>
        <translation>%s（已恢复）</translation>
    </message>
</context>
<context>
    <name>JournalTableModel</name>
    <message>
        <location filename="../alarm_history.py" line="56" />
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <location filename="../alarm_history.py" line="56" />
        <source>Event</source>
        <translation>事件</translation>
    </message>
    <message>
        <location filename="../alarm_history.py" line="56" />
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../alarm_history.py" line="56" />
        <source>Priority</source>
        <translation>优先级</translation>
    </message>
    <message>
        <location filename="../alarm_history.py" line="56" />
        <source>Tag</source>
        <translation>位号</translation>
    </message>
    <message>
        <location filename="../alarm_history.py" line="57" />
        <source>Message</source>
        <translation>信息</translation>
    </message>
    <message>
        <location filename="../alarm_history.py" line="57" />
        <source>Value</source>
        <translation>数值</translation>
    </message>
    <message>
        <location filename="../alarm_history.py" line="57" />
        <source>Limit</source>
        <translation>限值</translation>
    </message>
    <message>
        <location filename="../alarm_history.py" line="57" />
        <source>User</source>
        <translation>用户</translation>
    </message>
    <message>
        <location filename="../alarm_history.py" line="57" />
        <source>Comment</source>
        <translation>备注</translation>
    </message>
    <message>
        <location filename="../alarm_history.py" line="58" />
        <source>Area</source>
        <translation>区域</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../main_window.py" line="174" />
        <location filename="../main_window.py" line="305" />
        <source>Overview</source>
        <translation>总貌</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="175" />
        <location filename="../main_window.py" line="306" />
        <source>Furnace</source>
        <translation>闪速炉</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="176" />
        <location filename="../main_window.py" line="307" />
        <source>Gas and acid</source>
        <translation>烟气制酸</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="177" />
        <location filename="../main_window.py" line="308" />
        <source>Tankhouse</source>
        <translation>电解车间</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="178" />
        <location filename="../main_window.py" line="309" />
        <source>Tags</source>
        <translation>位号</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="179" />
        <location filename="../main_window.py" line="310" />
        <source>Trends</source>
        <translation>趋势</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="180" />
        <location filename="../main_window.py" line="311" />
        <source>Alarms</source>
        <translation>报警</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="181" />
        <source>Alarm history</source>
        <translation>报警历史</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="182" />
        <source>Alarm performance</source>
        <translation>报警绩效</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="183" />
        <source>Guidance</source>
        <translation>操作指导</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="184" />
        <source>Diagnostics</source>
        <translation>诊断</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="303" />
        <source>%s - Control room</source>
        <translation>%s － 控制室</translation>
    </message>
    <message>
        <source>Shift handover</source>
        <translation>交接班</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Test read</source>
        <translation>测试读取</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Tag map</source>
        <translation>位号表</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Engineering</source>
        <translation>工程</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>System</source>
        <translation>系统</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Alarm reports</source>
        <translation>报警报表</translation>
    </message>
</context>
<context>
    <name>NavigationBar</name>
    <message>
        <source>Devices %d/%d</source>
        <translation>设备 %d/%d</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="125" />
        <source>Devices: %d of %d connected</source>
        <translation>设备：%d / %d 已连接</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="127" />
        <source>no communication: %s</source>
        <translation>通讯中断：%s</translation>
    </message>
</context>
<context>
    <name>OverviewScreen</name>
    <message>
        <location filename="../overview.py" line="218" />
        <source>Alarms by priority</source>
        <translation>按优先级报警数</translation>
    </message>
    <message>
        <location filename="../overview.py" line="219" />
        <source>Unit screen</source>
        <translation>单元画面</translation>
    </message>
    <message>
        <location filename="../overview.py" line="223" />
        <source>%s - last 30 minutes</source>
        <translation>%s － 最近 30 分钟</translation>
    </message>
    <message>
        <location filename="../overview.py" line="227" />
        <source>Cells with alarms: %d of %d</source>
        <translation>报警电解槽：%d / %d</translation>
    </message>
    <message>
        <location filename="../overview.py" line="229" />
        <source>Short circuit suspected: %s</source>
        <translation>疑似短路：%s</translation>
    </message>
</context>
<context>
    <name>PenTableWidget</name>
    <message>
        <location filename="../trend_table.py" line="34" />
        <source>Tag</source>
        <translation>位号</translation>
    </message>
    <message>
        <location filename="../trend_table.py" line="34" />
        <source>Description</source>
        <translation>描述</translation>
    </message>
    <message>
        <location filename="../trend_table.py" line="34" />
        <source>Cursor</source>
        <translation>游标</translation>
    </message>
    <message>
        <location filename="../trend_table.py" line="34" />
        <source>Min</source>
        <translation>最小</translation>
    </message>
    <message>
        <location filename="../trend_table.py" line="34" />
        <source>Max</source>
        <translation>最大</translation>
    </message>
    <message>
        <location filename="../trend_table.py" line="35" />
        <source>Mean</source>
        <translation>平均</translation>
    </message>
    <message>
        <location filename="../trend_table.py" line="35" />
        <source>Std dev</source>
        <translation>标准差</translation>
    </message>
    <message>
        <location filename="../trend_table.py" line="35" />
        <source>Unit</source>
        <translation>单位</translation>
    </message>
</context>
<context>
    <name>PriorityCountWidget</name>
    <message>
        <location filename="../header.py" line="133" />
        <source>%s priority alarms: unacknowledged / total</source>
        <translation>%s优先级报警：未确认 / 总数</translation>
    </message>
</context>
<context>
    <name>ShelveDialog</name>
    <message>
        <location filename="../shelve_dialog.py" line="51" />
        <source>Shelve alarms</source>
        <translation>搁置报警</translation>
    </message>
    <message>
        <location filename="../shelve_dialog.py" line="51" />
        <source>Take alarms out of service</source>
        <translation>停用报警</translation>
    </message>
    <message>
        <location filename="../shelve_dialog.py" line="54" />
        <source>Alarms (%d)</source>
        <translation>报警（%d）</translation>
    </message>
    <message>
        <location filename="../shelve_dialog.py" line="59" />
        <source>Until the alarm clears (one-shot)</source>
        <translation>直到报警恢复（一次性）</translation>
    </message>
    <message>
        <location filename="../shelve_dialog.py" line="61" />
        <source>Shelve for</source>
        <translation>搁置时长</translation>
    </message>
    <message>
        <location filename="../shelve_dialog.py" line="70" />
        <source>Reason (required)</source>
        <translation>原因（必填）</translation>
    </message>
    <message>
        <location filename="../shelve_dialog.py" line="71" />
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Known instrument fault, work order raised</source>
        <translation>已知仪表故障，已开维修工单</translation>
    </message>
    <message>
        <source>Nuisance alarm under review</source>
        <translation>干扰报警，正在评审</translation>
    </message>
    <message>
        <source>Planned operation (start-up / shut-down)</source>
        <translation>计划操作（开车 / 停车）</translation>
    </message>
    <message>
        <source>Instrument under maintenance</source>
        <translation>仪表检修中</translation>
    </message>
    <message>
        <source>Equipment isolated for maintenance</source>
        <translation>设备已隔离检修</translation>
    </message>
    <message>
        <source>%d h %d min</source>
        <translation>%d 小时 %d 分钟</translation>
    </message>
    <message>
        <source>%d h</source>
        <translation>%d 小时</translation>
    </message>
    <message>
        <source>%d min</source>
        <translation>%d 分钟</translation>
    </message>
</context>
<context>
    <name>TagBrowserWidget</name>
    <message>
        <location filename="../trend_browser.py" line="54" />
        <source>Search tags (name or description)</source>
        <translation>搜索位号（名称或描述）</translation>
    </message>
</context>
<context>
    <name>TagRowWidget</name>
    <message>
        <location filename="../widgets/tag_row.py" line="56" />
        <source>%s - %s
Click for the faceplate</source>
        <translation>%s － %s
点击打开面板</translation>
    </message>
</context>
<context>
    <name>TankhouseScreen</name>
    <message>
        <location filename="../tankhouse.py" line="199" />
        <source>Rectifier and electrolyte</source>
        <translation>整流与电解液</translation>
    </message>
    <message>
        <location filename="../tankhouse.py" line="200" />
        <source>Cell map - section A (current / voltage)</source>
        <translation>电解槽分布图 － A 段（电流 / 电压）</translation>
    </message>
    <message>
        <location filename="../tankhouse.py" line="202" />
        <source>Grey: normal.  Alarm colour: abnormal.  Click a cell for its voltage faceplate.</source>
        <translation>灰色：正常。报警色：异常。点击电解槽打开其电压面板。</translation>
    </message>
    <message>
        <location filename="../tankhouse.py" line="207" />
        <source>Short circuit suspected</source>
        <translation>疑似短路</translation>
    </message>
</context>
<context>
    <name>TrendScreen</name>
    <message>
        <location filename="../trends.py" line="0" />
        <source>Exporting to %s ...</source>
        <translation>正在导出到 %s ...</translation>
    </message>
    <message>
        <location filename="../trends.py" line="0" />
        <source>Exported %d rows to %s</source>
        <translation>已导出 %d 行到 %s</translation>
    </message>
    <message>
        <location filename="../trends.py" line="0" />
        <source>Export failed: %s</source>
        <translation>导出失败：%s</translation>
    </message>
    <message>
        <location filename="../trend_fetch.py" line="0" />
        <source>History not available: %s</source>
        <translation>历史数据不可用：%s</translation>
    </message>
    <message>
        <location filename="../trends.py" line="152" />
        <location filename="../trends.py" line="224" />
        <source>Live</source>
        <translation>实时</translation>
    </message>
    <message>
        <location filename="../trends.py" line="152" />
        <location filename="../trends.py" line="224" />
        <source>Paused - resume live</source>
        <translation>已暂停 － 恢复实时</translation>
    </message>
    <message>
        <location filename="../trends.py" line="156" />
        <source>Axis per unit</source>
        <translation>按单位共用坐标轴</translation>
    </message>
    <message>
        <location filename="../trends.py" line="157" />
        <source>Axis per pen</source>
        <translation>每支笔一根坐标轴</translation>
    </message>
    <message>
        <location filename="../trends.py" line="160" />
        <source>Cursor</source>
        <translation>游标</translation>
    </message>
    <message>
        <location filename="../trends.py" line="161" />
        <source>Export CSV</source>
        <translation>导出 CSV</translation>
    </message>
    <message>
        <location filename="../trends.py" line="162" />
        <source>Export PNG</source>
        <translation>导出 PNG</translation>
    </message>
    <message>
        <location filename="../trends.py" line="164" />
        <source>Scroll back half a window</source>
        <translation>向前翻半个窗口</translation>
    </message>
    <message>
        <location filename="../trends.py" line="165" />
        <source>Scroll forward half a window</source>
        <translation>向后翻半个窗口</translation>
    </message>
    <message>
        <location filename="../trends.py" line="166" />
        <source>Zoom in</source>
        <translation>放大</translation>
    </message>
    <message>
        <location filename="../trends.py" line="167" />
        <source>Zoom out</source>
        <translation>缩小</translation>
    </message>
    <message>
        <location filename="../trends.py" line="190" />
        <source>At most %d pens - remove one first</source>
        <translation>最多 %d 支笔 － 请先移除一支</translation>
    </message>
    <message>
        <location filename="../trends.py" line="355" />
        <source>%d of %d pens</source>
        <translation>%d / %d 支笔</translation>
    </message>
    <message>
        <location filename="../trends.py" line="390" />
        <source>Export visible data</source>
        <translation>导出可见数据</translation>
    </message>
    <message>
        <location filename="../trends.py" line="396" />
        <source>Export picture</source>
        <translation>导出图片</translation>
    </message>
    <message>
        <source>5 min</source>
        <translation>5 分钟</translation>
    </message>
    <message>
        <source>15 min</source>
        <translation>15 分钟</translation>
    </message>
    <message>
        <source>1 h</source>
        <translation>1 小时</translation>
    </message>
    <message>
        <source>8 h</source>
        <translation>8 小时</translation>
    </message>
    <message>
        <source>24 h</source>
        <translation>24 小时</translation>
    </message>
    <message>
        <source>7 d</source>
        <translation>7 天</translation>
    </message>
    <message>
        <source>30 d</source>
        <translation>30 天</translation>
    </message>
</context>
<context>
    <name>TrendSetsWidget</name>
    <message>
        <location filename="../trend_browser.py" line="136" />
        <source>Trend sets</source>
        <translation>趋势组</translation>
    </message>
    <message>
        <location filename="../trend_browser.py" line="137" />
        <source>Name of a new set</source>
        <translation>新趋势组名称</translation>
    </message>
    <message>
        <location filename="../trend_browser.py" line="138" />
        <source>Load</source>
        <translation>载入</translation>
    </message>
    <message>
        <location filename="../trend_browser.py" line="139" />
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <location filename="../trend_browser.py" line="140" />
        <source>Delete</source>
        <translation>删除</translation>
    </message>
</context>
<context>
    <name>alarms</name>
    <message>
        <source>All areas</source>
        <translation>全部区域</translation>
    </message>
    <message>
        <source>All priorities</source>
        <translation>全部优先级</translation>
    </message>
    <message>
        <location filename="../alarm_table.py" line="297" />
        <source>Latched - reset</source>
        <translation>锁存 － 待复位</translation>
    </message>
    <message>
        <location filename="../alarm_table.py" line="298" />
        <source>Shelved</source>
        <translation>已搁置</translation>
    </message>
    <message>
        <location filename="../alarm_table.py" line="299" />
        <source>Suppressed</source>
        <translation>已抑制</translation>
    </message>
    <message>
        <location filename="../alarm_table.py" line="300" />
        <source>Out of service</source>
        <translation>已停用</translation>
    </message>
    <message>
        <location filename="../alarm_table.py" line="305" />
        <source>until %s</source>
        <translation>至 %s</translation>
    </message>
    <message>
        <location filename="../alarm_table.py" line="316" />
        <source>ALARM FLOOD: %d alarms in 10 min, %d unacknowledged</source>
        <translation>报警泛滥：10 分钟内 %d 条报警，%d 条未确认</translation>
    </message>
</context>
<context>
    <name>formatting</name>
    <message>
        <location filename="../formatting.py" line="20" />
        <source>ON</source>
        <translation>运行</translation>
    </message>
    <message>
        <location filename="../formatting.py" line="21" />
        <source>OFF</source>
        <translation>停止</translation>
    </message>
    <message>
        <source>FAULT</source>
        <translation>故障</translation>
    </message>
    <message>
        <source>NORMAL</source>
        <translation>正常</translation>
    </message>
</context>
<context>
    <name>theme</name>
    <message>
        <source>Latched - reset</source>
        <translation>锁存 － 待复位</translation>
    </message>
    <message>
        <source>Shelved</source>
        <translation>已搁置</translation>
    </message>
    <message>
        <source>Suppressed</source>
        <translation>已抑制</translation>
    </message>
    <message>
        <source>Out of service</source>
        <translation>已停用</translation>
    </message>
    <message>
        <location filename="../theme.py" line="121" />
        <source>Critical</source>
        <translation>紧急</translation>
    </message>
    <message>
        <location filename="../theme.py" line="122" />
        <source>High</source>
        <translation>高</translation>
    </message>
    <message>
        <location filename="../theme.py" line="123" />
        <source>Medium</source>
        <translation>中</translation>
    </message>
    <message>
        <location filename="../theme.py" line="124" />
        <source>Low</source>
        <translation>低</translation>
    </message>
    <message>
        <location filename="../theme.py" line="132" />
        <source>Normal</source>
        <translation>正常</translation>
    </message>
    <message>
        <location filename="../theme.py" line="133" />
        <source>Active - unack</source>
        <translation>报警 － 未确认</translation>
    </message>
    <message>
        <location filename="../theme.py" line="134" />
        <source>Active - acked</source>
        <translation>报警 － 已确认</translation>
    </message>
    <message>
        <location filename="../theme.py" line="135" />
        <source>Cleared - unack</source>
        <translation>已恢复 － 未确认</translation>
    </message>
    <message>
        <location filename="../theme.py" line="145" />
        <source>UNC</source>
        <translation>不确定</translation>
    </message>
    <message>
        <location filename="../theme.py" line="146" />
        <source>BAD</source>
        <translation>坏值</translation>
    </message>
</context>
<context>
    <name>HeaderBar</name>
    <message>
        <source>Horn: no audio output</source>
        <translation>报警喇叭：无音频输出</translation>
    </message>
    <message>
        <source>No loudspeaker was found: alarms are shown but the horn cannot sound.</source>
        <translation>未找到扬声器：报警照常显示，但报警喇叭无法发声。</translation>
    </message>
</context>
<context>
    <name>AlarmHistoryScreen</name>
    <message>
        <source>The alarm journal could not be read: %s</source>
        <translation>无法读取报警日志：%s</translation>
    </message>
    <message>
        <source>Searching ...</source>
        <translation>正在查询 ...</translation>
    </message>
</context>
<context>
    <name>HelpOverlay</name>
    <message>
        <source>Level 1: the whole plant at a glance - key figures of every area and their trends.</source>
        <translation>一级画面：全厂总览——各区域关键指标及其趋势。</translation>
    </message>
    <message>
        <source>Level 2: the flash smelting furnace - feeds, blast, temperatures and setpoints.</source>
        <translation>二级画面：闪速炉——加料、鼓风、温度与设定值。</translation>
    </message>
    <message>
        <source>Level 2: off-gas train and acid plant - gas analysers, SO2 and stack emissions.</source>
        <translation>二级画面：烟气系统与制酸——烟气分析仪、SO2 与烟囱排放。</translation>
    </message>
    <message>
        <source>Level 2: electrolytic refining - cell voltages and currents, short circuits.</source>
        <translation>二级画面：电解精炼——槽电压、槽电流与短路。</translation>
    </message>
    <message>
        <source>Level 3: every tag with its value, quality and limits; click one for its faceplate.</source>
        <translation>三级画面：全部位号的数值、质量与限值；点击位号打开操作面板。</translation>
    </message>
    <message>
        <source>Trends of any tags, live or from history: pan, zoom, read-out cursor, CSV export.</source>
        <translation>任意位号的实时或历史趋势：平移、缩放、读数光标、导出 CSV。</translation>
    </message>
    <message>
        <source>Active alarms, most urgent first: acknowledge, shelve, take out of service.</source>
        <translation>当前报警，最紧急的在前：确认、搁置、退出服务。</translation>
    </message>
    <message>
        <source>The alarm journal: every alarm change and operator action; search, export, print.</source>
        <translation>报警日志：每次报警变化与操作员操作；查询、导出、打印。</translation>
    </message>
    <message>
        <source>Alarm-system performance (ISA-18.2): alarm rates, floods, top ten, chattering.</source>
        <translation>报警系统绩效（ISA-18.2）：报警率、报警泛滥、前十报警、振荡报警。</translation>
    </message>
    <message>
        <source>Model guidance: predictions and setpoint advice to accept or reject, with reasons.</source>
        <translation>模型指导：预测与设定值建议，可说明理由后采纳或拒绝。</translation>
    </message>
    <message>
        <source>Level 4: communication with every device - state, errors, latency, tags not good.</source>
        <translation>四级画面：各设备通讯——状态、错误、延时、质量不良的位号。</translation>
    </message>
    <message>
        <source>Back to the previous screen / forward again</source>
        <translation>返回上一画面 / 再前进</translation>
    </message>
    <message>
        <source>Show or hide this help</source>
        <translation>显示或隐藏本帮助</translation>
    </message>
    <message>
        <source>Close this help or a dialog</source>
        <translation>关闭本帮助或对话框</translation>
    </message>
    <message>
        <source>Click on a value</source>
        <translation>点击数值</translation>
    </message>
    <message>
        <source>Its faceplate: value, limits, alarms, trend and setpoint</source>
        <translation>打开其操作面板：数值、限值、报警、趋势与设定值</translation>
    </message>
    <message>
        <source>Help: keys and screens</source>
        <translation>帮助：按键与画面</translation>
    </message>
    <message>
        <source>Close [Esc]</source>
        <translation>关闭 [Esc]</translation>
    </message>
    <message>
        <source>Screens</source>
        <translation>画面</translation>
    </message>
    <message>
        <source>Key</source>
        <translation>按键</translation>
    </message>
    <message>
        <source>Screen</source>
        <translation>画面</translation>
    </message>
    <message>
        <source>What it is for</source>
        <translation>用途</translation>
    </message>
    <message>
        <source>Other keys</source>
        <translation>其他按键</translation>
    </message>
    <message>
        <source>Level 2: a plant unit - its values with their normal bands, mimic or cell map.</source>
        <translation>二级画面：一个工艺单元——各数值及其正常范围、流程图或电解槽图。</translation>
    </message>
    <message>
        <source>Shift handover: report of the shift, free text, two signatures, PDF.</source>
        <translation>交接班：本班报告、交班说明、双方签字、PDF。</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Reload the configuration file (engineers; also in the user menu)</source>
        <translation>重新加载组态文件（工程师；用户菜单中也有）</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Engineers: the tag map of every device - edit, check, import/export CSV, review and apply.</source>
        <translation>工程师：各设备的位号表——编辑、检查、导入/导出 CSV、审核并应用。</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Swipe left / right</source>
        <translation>左右滑动</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Next / previous screen</source>
        <translation>下一个 / 上一个画面</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Long-press a value</source>
        <translation>长按数值</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Its faceplate (a short tap opens nothing)</source>
        <translation>打开其面板（轻触不打开）</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Tap an alarm</source>
        <translation>轻触报警</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Its trend</source>
        <translation>打开其趋势</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Drag / pinch a trend</source>
        <translation>拖动 / 双指缩放趋势</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Move / zoom its time range</source>
        <translation>移动 / 缩放时间范围</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Tap a number field</source>
        <translation>轻触数字输入框</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>The keypad</source>
        <translation>弹出数字键盘</translation>
    </message>
</context>
<context>
    <name>HeaderBar</name>
    <message>
        <source>Help: keys and screens [? or Shift+F1]</source>
        <translation>帮助：按键与画面 [? 或 Shift+F1]</translation>
    </message>
</context>
<context>
    <name>TrendPlotWidget</name>
    <message>
        <source>Scale: auto</source>
        <translation>刻度：自动</translation>
    </message>
    <message>
        <source>Scale: fixed</source>
        <translation>刻度：固定</translation>
    </message>
    <message>
        <source>Auto: each value axis widens to show every value in view. Fixed: configured ranges.</source>
        <translation>自动：各数值轴自动扩展以显示视图内的全部数值。固定：使用组态量程。</translation>
    </message>
</context>
<context>
    <name>MissingTagWidget</name>
    <message>
        <location filename="../widgets/value_tile.py" line="226" />
        <source>%s: tag missing</source>
        <translation>%s：位号缺失</translation>
    </message>
</context>
<context>
    <name>UnitScreen</name>
    <message>
        <location filename="../unit.py" line="183" />
        <source>Grey: normal.  Alarm colour: abnormal.  Click a cell for its faceplate.</source>
        <translation>灰色：正常。报警色：异常。点击电解槽打开其面板。</translation>
    </message>
    <message>
        <location filename="../unit.py" line="185" />
        <source>Short circuit suspected</source>
        <translation>疑似短路</translation>
    </message>
    <message>
        <location filename="../unit.py" line="185" />
        <source>tag missing</source>
        <translation>位号缺失</translation>
    </message>
</context>
<context>
    <name>alarm_text</name>
    <message>
        <source>a critical action needs signatures, and this station has no user store</source>
        <translation>关键操作需要签名，但本站没有用户库</translation>
    </message>
    <message>
        <source>this action is critical: it needs your password and a second user's</source>
        <translation>这是关键操作：需要您的密码和第二人的确认</translation>
    </message>
    <message>
        <source>the second confirmation came too late</source>
        <translation>第二人确认超时</translation>
    </message>
    <message>
        <source>your signature was not accepted (wrong password, or the account is locked)</source>
        <translation>您的签名未通过（密码错误或账户被锁定）</translation>
    </message>
    <message>
        <source>the second user must be someone else</source>
        <translation>第二人必须是另一位用户</translation>
    </message>
    <message>
        <source>the second user's confirmation was not accepted</source>
        <translation>第二人的确认未通过</translation>
    </message>
    <message>
        <source>%s may not confirm this action</source>
        <translation>%s 无权确认此操作</translation>
    </message>
    <message>
        <source>HIHI</source>
        <translation>高高限</translation>
    </message>
    <message>
        <source>HI</source>
        <translation>高限</translation>
    </message>
    <message>
        <source>LO</source>
        <translation>低限</translation>
    </message>
    <message>
        <source>LOLO</source>
        <translation>低低限</translation>
    </message>
    <message>
        <source>rate of change</source>
        <translation>变化率</translation>
    </message>
    <message>
        <source>deviation</source>
        <translation>偏差</translation>
    </message>
    <message>
        <source>state</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>bad quality</source>
        <translation>质量坏</translation>
    </message>
    <message>
        <source>communication</source>
        <translation>通讯</translation>
    </message>
    <message>
        <source>system</source>
        <translation>系统</translation>
    </message>
    <message>
        <source>activate</source>
        <translation>报警</translation>
    </message>
    <message>
        <source>clear</source>
        <translation>恢复</translation>
    </message>
    <message>
        <source>acknowledge</source>
        <translation>确认</translation>
    </message>
    <message>
        <source>shelve</source>
        <translation>搁置</translation>
    </message>
    <message>
        <source>unshelve</source>
        <translation>取消搁置</translation>
    </message>
    <message>
        <source>shelve expired</source>
        <translation>搁置到期</translation>
    </message>
    <message>
        <source>suppress</source>
        <translation>抑制</translation>
    </message>
    <message>
        <source>unsuppress</source>
        <translation>取消抑制</translation>
    </message>
    <message>
        <source>out of service</source>
        <translation>退出服务</translation>
    </message>
    <message>
        <source>return to service</source>
        <translation>恢复服务</translation>
    </message>
    <message>
        <source>reset</source>
        <translation>复位</translation>
    </message>
    <message>
        <source>realarm</source>
        <translation>再报警</translation>
    </message>
    <message>
        <source>message</source>
        <translation>消息</translation>
    </message>
    <message>
        <source>acceptable</source>
        <translation>可接受</translation>
    </message>
    <message>
        <source>manageable</source>
        <translation>可管理</translation>
    </message>
    <message>
        <source>overloaded</source>
        <translation>超负荷</translation>
    </message>
    <message>
        <source>Communication failure: %s</source>
        <translation>通讯故障：%s</translation>
    </message>
    <message>
        <source>Short circuit developing in cell %s</source>
        <translation>电解槽 %s 正在形成短路</translation>
    </message>
    <message>
        <source>Alarm journal behind</source>
        <translation>报警日志滞后</translation>
    </message>
    <message>
        <source>Alarm journal behind: %d records wait in memory until the file takes them</source>
        <translation>报警日志滞后：%d 条记录暂存内存，待文件可写时写入</translation>
    </message>
    <message>
        <source>History recording delayed: the history database cannot be written; samples wait in memory</source>
        <translation>历史记录延迟：历史数据库无法写入，数据暂存内存</translation>
    </message>
    <message>
        <source>A history file could not be used and was moved aside; recording continues in a new file</source>
        <translation>一个历史文件无法使用，已移到一旁；记录在新文件中继续</translation>
    </message>
    <message>
        <source>%s needs a reason: type or choose one</source>
        <translation>%s需要说明理由：请输入或选择</translation>
    </message>
    <message>
        <source>a shelve may last at most %g h</source>
        <translation>搁置时间最长 %g 小时</translation>
    </message>
    <message>
        <source>these alarms no longer exist: %s</source>
        <translation>这些报警已不存在：%s</translation>
    </message>
    <message>
        <source>the journal file is locked by another program</source>
        <translation>日志文件被其他程序锁定</translation>
    </message>
    <message>
        <source>the disk or the journal database is full</source>
        <translation>磁盘或日志数据库已满</translation>
    </message>
    <message>
        <source>the journal file is read-only</source>
        <translation>日志文件为只读</translation>
    </message>
    <message>
        <source>unknown error</source>
        <translation>未知错误</translation>
    </message>
    <message>
        <source>the alarm journal cannot be written: %s</source>
        <translation>报警日志无法写入：%s</translation>
    </message>
    <message>
        <source>Shelving</source>
        <translation>搁置</translation>
    </message>
    <message>
        <source>Taking out of service</source>
        <translation>退出服务</translation>
    </message>
    <message>
        <source>Cause</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Consequence</source>
        <translation>后果</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>处置</translation>
    </message>
    <message>
        <source>Shelved by %s: %s</source>
        <translation>由 %s 搁置：%s</translation>
    </message>
    <message>
        <source>Out of service by %s: %s</source>
        <translation>由 %s 退出服务：%s</translation>
    </message>
    <message>
        <source>the journal is closed (the control room is shutting down)</source>
        <translation>报警日志已关闭（控制室正在关闭）</translation>
    </message>
    <message>
        <source>Rejecting advice</source>
        <translation>拒绝建议</translation>
    </message>
</context>
<context>
    <name>PlantTrendSetsWidget</name>
    <message>
        <source>Plant trend sets</source>
        <translation>工厂趋势组</translation>
    </message>
    <message>
        <source>Choose a trend set...</source>
        <translation>选择趋势组...</translation>
    </message>
</context>
<context>
    <name>LoginDialog</name>
    <message>
        <source>Log in</source>
        <translation>登录</translation>
    </message>
    <message>
        <source>Log in with a PIN</source>
        <translation>用PIN码登录</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>User name</source>
        <translation>用户名</translation>
    </message>
    <message>
        <source>PIN</source>
        <translation>PIN码</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <source>No users exist yet. An administrator creates the first one on the command line: %s</source>
        <translation>尚无用户。管理员在命令行创建第一个用户：%s</translation>
    </message>
    <message>
        <source>Checking…</source>
        <translation>正在核对…</translation>
    </message>
    <message>
        <source>The login could not be checked: %s</source>
        <translation>无法核对登录：%s</translation>
    </message>
    <message>
        <source>The user name or password is not correct.</source>
        <translation>用户名或密码不正确。</translation>
    </message>
    <message>
        <source>Too many failed logins: this account is locked for a while.</source>
        <translation>登录失败次数过多：此账户暂时锁定。</translation>
    </message>
    <message>
        <source>Too many wrong PINs at this station: wait before trying again.</source>
        <translation>本站PIN码错误次数过多：请稍后再试。</translation>
    </message>
    <message>
        <source>This account is disabled; ask an administrator.</source>
        <translation>此账户已停用，请联系管理员。</translation>
    </message>
    <message>
        <source>Enter a user name and a password or PIN.</source>
        <translation>请输入用户名和密码或PIN码。</translation>
    </message>
    <message>
        <source>There is no user store at this station.</source>
        <translation>本站没有用户库。</translation>
    </message>
</context>
<context>
    <name>Permissions</name>
    <message>
        <source>an operator</source>
        <translation>操作员</translation>
    </message>
    <message>
        <source>a shift supervisor</source>
        <translation>值班长</translation>
    </message>
    <message>
        <source>maintenance staff</source>
        <translation>维修人员</translation>
    </message>
    <message>
        <source>an engineer</source>
        <translation>工程师</translation>
    </message>
    <message>
        <source>an administrator</source>
        <translation>管理员</translation>
    </message>
    <message>
        <source>acknowledge alarms</source>
        <translation>确认报警</translation>
    </message>
    <message>
        <source>shelve alarms</source>
        <translation>搁置报警</translation>
    </message>
    <message>
        <source>unshelve alarms</source>
        <translation>取消搁置报警</translation>
    </message>
    <message>
        <source>take alarms out of service</source>
        <translation>停用报警</translation>
    </message>
    <message>
        <source>return alarms to service</source>
        <translation>恢复报警</translation>
    </message>
    <message>
        <source>reset latched alarms</source>
        <translation>复位锁存报警</translation>
    </message>
    <message>
        <source>write setpoints</source>
        <translation>写设定值</translation>
    </message>
    <message>
        <source>accept advice</source>
        <translation>采纳建议</translation>
    </message>
    <message>
        <source>reject advice</source>
        <translation>拒绝建议</translation>
    </message>
    <message>
        <source>set guidance targets</source>
        <translation>设定指导目标</translation>
    </message>
    <message>
        <source>record maintenance notes</source>
        <translation>记录维修说明</translation>
    </message>
    <message>
        <source>edit the tag map</source>
        <translation>编辑位号表</translation>
    </message>
    <message>
        <source>manage users</source>
        <translation>管理用户</translation>
    </message>
    <message>
        <source>sign the shift handover</source>
        <translation>签署交接班</translation>
    </message>
    <message>
        <source>Log in first: this station is view-only.</source>
        <translation>请先登录：本站仅可查看。</translation>
    </message>
    <message>
        <source>Not allowed: %1 may not %2.</source>
        <translation>不允许：%1不能%2。</translation>
    </message>
    <message>
        <source>Not allowed: %1 is outside your areas of responsibility.</source>
        <translation>不允许：%1不在您的负责区域内。</translation>
    </message>
    <message>
        <source>prepare the shift handover</source>
        <translation>编写交接班记录</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>test-read devices</source>
        <translation>测试读取设备</translation>
    </message>
</context>
<context>
    <name>HandoverScreen</name>
    <message>
        <source>Shift from</source>
        <translation>班次从</translation>
    </message>
    <message>
        <source>to</source>
        <translation>至</translation>
    </message>
    <message>
        <source>Prepare handover</source>
        <translation>编写交接班记录</translation>
    </message>
    <message>
        <source>Gather the shift's alarms, changes and decisions</source>
        <translation>汇总本班的报警、修改和决策</translation>
    </message>
    <message>
        <source>Handovers</source>
        <translation>交接班记录</translation>
    </message>
    <message>
        <source>Notes for the next shift</source>
        <translation>给下一班的说明</translation>
    </message>
    <message>
        <source>What the next shift must know</source>
        <translation>下一班必须知道的事项</translation>
    </message>
    <message>
        <source>Save text</source>
        <translation>保存说明</translation>
    </message>
    <message>
        <source>Sign as outgoing…</source>
        <translation>交班签字…</translation>
    </message>
    <message>
        <source>Sign as incoming…</source>
        <translation>接班签字…</translation>
    </message>
    <message>
        <source>Export PDF…</source>
        <translation>导出 PDF…</translation>
    </message>
    <message>
        <source>draft</source>
        <translation>草稿</translation>
    </message>
    <message>
        <source>signed by the outgoing supervisor</source>
        <translation>交班值班长已签字</translation>
    </message>
    <message>
        <source>signed by both (read-only)</source>
        <translation>双方已签字（只读）</translation>
    </message>
    <message>
        <source>No. %1 · %2 to %3 · %4</source>
        <translation>第 %1 号 · %2 至 %3 · %4</translation>
    </message>
    <message>
        <source>No handover yet: choose the shift and prepare one.</source>
        <translation>还没有交接班记录：选择班次并编写一份。</translation>
    </message>
    <message>
        <source>Handover %1, %2</source>
        <translation>交接班记录 %1，%2</translation>
    </message>
    <message>
        <source>Prepared by %1 at %2</source>
        <translation>编写人 %1，%2</translation>
    </message>
    <message>
        <source>Outgoing: %1</source>
        <translation>交班：%1</translation>
    </message>
    <message>
        <source>Incoming: %1</source>
        <translation>接班：%1</translation>
    </message>
    <message>
        <source>%1 alarms raised, %2 standing, %3 shelved or out of service</source>
        <translation>触发报警 %1 次，未恢复 %2 个，搁置或停用 %3 个</translation>
    </message>
    <message>
        <source>%1 setpoint changes, %2 guidance decisions, %3 maintenance notes</source>
        <translation>设定值修改 %1 次，模型指导决策 %2 次，维护记录 %3 条</translation>
    </message>
    <message>
        <source>not signed</source>
        <translation>未签字</translation>
    </message>
    <message>
        <source>Preparing…</source>
        <translation>正在编写…</translation>
    </message>
    <message>
        <source>Sign handover %1 as outgoing supervisor</source>
        <translation>以交班值班长身份签署交接班记录 %1</translation>
    </message>
    <message>
        <source>Sign handover %1 as incoming supervisor</source>
        <translation>以接班值班长身份签署交接班记录 %1</translation>
    </message>
    <message>
        <source>Handover %1: %2</source>
        <translation>交接班记录 %1：%2</translation>
    </message>
    <message>
        <source>Export handover as PDF</source>
        <translation>将交接班记录导出为 PDF</translation>
    </message>
    <message>
        <source>PDF files (*.pdf)</source>
        <translation>PDF 文件 (*.pdf)</translation>
    </message>
    <message>
        <source>Writing the PDF…</source>
        <translation>正在生成 PDF…</translation>
    </message>
    <message>
        <source>Saved as %1</source>
        <translation>已保存为 %1</translation>
    </message>
    <message>
        <source>Not done: %1</source>
        <translation>未完成：%1</translation>
    </message>
    <message>
        <source>This handover is signed and can no longer be changed.</source>
        <translation>此交接班记录已签字，不能再修改。</translation>
    </message>
    <message>
        <source>The outgoing supervisor has signed already.</source>
        <translation>交班值班长已经签字。</translation>
    </message>
    <message>
        <source>The outgoing supervisor signs first, then the incoming one.</source>
        <translation>先由交班值班长签字，再由接班值班长签字。</translation>
    </message>
    <message>
        <source>%1 signed as outgoing: the incoming supervisor must be somebody else.</source>
        <translation>%1 已作为交班值班长签字：接班值班长必须是另一个人。</translation>
    </message>
    <message>
        <source>The signature was refused: the user name or password is not correct, or the account is locked.</source>
        <translation>签字被拒绝：用户名或密码不正确，或账户已锁定。</translation>
    </message>
    <message>
        <source>%1 may not sign: only shift supervisors sign handovers.</source>
        <translation>%1 不能签字：只有值班长才能签署交接班记录。</translation>
    </message>
    <message>
        <source>There is no user store at this station: nobody can sign.</source>
        <translation>本工作站没有用户库：无人可以签字。</translation>
    </message>
    <message>
        <source>The shift must end after it starts.</source>
        <translation>班次的结束时间必须晚于开始时间。</translation>
    </message>
    <message>
        <source>This handover no longer exists.</source>
        <translation>此交接班记录已不存在。</translation>
    </message>
</context>
<context>
    <name>HandoverSignatureDialog</name>
    <message>
        <source>Sign</source>
        <translation>签字</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>User name</source>
        <translation>用户名</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <source>Sign with your own user name and password. Your signature is recorded.</source>
        <translation>请用您本人的用户名和密码签字。签字将被记录。</translation>
    </message>
    <message>
        <source>Checking…</source>
        <translation>正在核对…</translation>
    </message>
    <message>
        <source>The signature could not be checked: %s</source>
        <translation>无法核对签字：%s</translation>
    </message>
</context>
<context>
    <name>SignatureDialog</name>
    <message>
        <source>Signature required</source>
        <translation>需要签名</translation>
    </message>
    <message>
        <source>Critical action: %s</source>
        <translation>关键操作：%s</translation>
    </message>
    <message>
        <source>Sign with your password; a second user confirms with theirs.</source>
        <translation>请用您的密码签名；第二人用其本人密码确认。</translation>
    </message>
    <message>
        <source>Your password</source>
        <translation>您的密码</translation>
    </message>
    <message>
        <source>Second user</source>
        <translation>第二人</translation>
    </message>
    <message>
        <source>Second user's password</source>
        <translation>第二人的密码</translation>
    </message>
    <message>
        <source>Sign</source>
        <translation>签名</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
</context>
<context>
    <name>ProbeView</name>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Test read and byte-order detection</source>
        <translation>测试读取与字节顺序识别</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Device</source>
        <translation>设备</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Block</source>
        <translation>数据块</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Expected value</source>
        <translation>期望值</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>or range</source>
        <translation>或范围</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>A configured device, or a URL: modbus://host:port?unit=1, s7://host:port?rack=0&amp;slot=1</source>
        <translation>已配置的设备，或网址：modbus://host:port?unit=1、s7://host:port?rack=0&amp;slot=1</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>e.g. hr:100, ir:0, DB1.DBD30</source>
        <translation>例如 hr:100、ir:0、DB1.DBD30</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>one value</source>
        <translation>单个值</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Registers (Modbus) or bytes (S7) to read as one block</source>
        <translation>作为一个数据块读取的寄存器数（Modbus）或字节数（S7）</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>e.g. 1234.5</source>
        <translation>例如 1234.5</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>low</source>
        <translation>下限</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>high</source>
        <translation>上限</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Read</source>
        <translation>读取</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Use this decoding</source>
        <translation>采用此解码</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Copies data type, byte order and word order for the tag map</source>
        <translation>复制数据类型、字节顺序和字顺序，供标签映射使用</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Pick a device and an address, then Read.</source>
        <translation>选择设备和地址，然后点击“读取”。</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Give a device and an address.</source>
        <translation>请填写设备和地址。</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>'%s' is not a number.</source>
        <translation>“%s”不是数字。</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>A range needs a low end below its high end.</source>
        <translation>范围的下限必须小于上限。</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Give an expected value or a range, not both.</source>
        <translation>请填写期望值或范围，不能同时填写。</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Reading %s %s …</source>
        <translation>正在读取 %s %s …</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Not read: %s</source>
        <translation>未读取：%s</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Value %1 of type %2</source>
        <translation>值 %1，类型 %2</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>registers</source>
        <translation>个寄存器</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>bytes</source>
        <translation>个字节</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Raw (%1 %2): %3</source>
        <translation>原始数据（%1 %2）：%3</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Read; the value carries its own type.</source>
        <translation>已读取；该值自带数据类型。</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Best: %1 %2</source>
        <translation>最佳：%1 %2</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>No decoding fits; closest first.</source>
        <translation>没有完全吻合的解码；按接近程度排列。</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Tag %s: its scaling is applied, its configured decoding is marked.</source>
        <translation>标签 %s：已按其量程换算，并标出其已配置的解码。</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Copied: %s</source>
        <translation>已复制（标签配置字段 data_type、byte_order、word_order，取值 big 或 little）：%s</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Data type</source>
        <translation>数据类型</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>all types</source>
        <translation>全部类型</translation>
    </message>
</context>
<context>
    <name>DecodingTable</name>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Rank</source>
        <translation>排名</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Data type</source>
        <translation>数据类型</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Order</source>
        <translation>顺序</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Value</source>
        <translation>值</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Raw</source>
        <translation>原始值</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Fits</source>
        <translation>吻合</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Configured</source>
        <translation>已配置</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>NaN</source>
        <translation>非数值</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Byte order in the registers: ABCD big-endian, CDAB words swapped, BADC bytes swapped, DCBA both; AB/BA for one register</source>
        <translation>寄存器中的字节顺序：ABCD 大端，CDAB 字交换，BADC 字节交换，DCBA 两者都交换；单个寄存器为 AB/BA</translation>
    </message>
</context>
<context>
    <name>ConfigReload</name>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Reload configuration file</source>
        <translation>重新加载组态文件</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>The configuration file was applied as revision %d.</source>
        <translation>组态文件已作为第 %d 版应用。</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>The configuration file has not changed.</source>
        <translation>组态文件没有变化。</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>The configuration file was refused; nothing was changed.</source>
        <translation>组态文件被拒绝，未做任何更改。</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Configuration</source>
        <translation>组态</translation>
    </message>
</context>
<context>
    <name>TagEditorScreen</name>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Tag map</source>
        <translation>位号表</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Devices</source>
        <translation>设备</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Byte order</source>
        <translation>字节序</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Word order</source>
        <translation>字序</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Big-endian</source>
        <translation>大端（高位在前）</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Little-endian</source>
        <translation>小端（低位在前）</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Description</source>
        <translation>描述</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Area</source>
        <translation>区域</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Unit</source>
        <translation>单元</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Data type</source>
        <translation>数据类型</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Eng. unit</source>
        <translation>工程单位</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Range low</source>
        <translation>量程下限</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Range high</source>
        <translation>量程上限</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Add</source>
        <translation>添加</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Clone</source>
        <translation>复制</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Shift addresses…</source>
        <translation>平移地址…</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Set area…</source>
        <translation>设置区域…</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Set unit…</source>
        <translation>设置单元…</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Set eng. unit…</source>
        <translation>设置工程单位…</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Undo</source>
        <translation>撤销</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Redo</source>
        <translation>重做</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Import CSV…</source>
        <translation>导入 CSV…</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Export CSV…</source>
        <translation>导出 CSV…</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Review and apply…</source>
        <translation>审核并应用…</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>No problems: check-config accepts this tag map.</source>
        <translation>没有问题：配置检查接受此位号表。</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>… and %1 more</source>
        <translation>…… 另有 %1 条</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>%1 problem(s); the tag map cannot be applied:</source>
        <translation>%1 个问题；位号表无法应用：</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Read only: %1</source>
        <translation>只读：%1</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Edit %1</source>
        <translation>编辑 %1</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Add tag</source>
        <translation>添加位号</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Shift addresses</source>
        <translation>平移地址</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Set %1</source>
        <translation>设置 %1</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Shift by (registers or bytes)</source>
        <translation>平移量（寄存器或字节）</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Import CSV</source>
        <translation>导入 CSV</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Export CSV</source>
        <translation>导出 CSV</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>CSV files (*.csv)</source>
        <translation>CSV 文件 (*.csv)</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Exported to %1</source>
        <translation>已导出到 %1</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Applied as revision %1.</source>
        <translation>已应用，修订版 %1。</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Not applied; nothing was changed: %1</source>
        <translation>未应用，未做任何更改：%1</translation>
    </message>
</context>
<context>
    <name>ReviewDialog</name>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Review and apply the tag map</source>
        <translation>审核并应用位号表</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Nothing differs from the running tag map.</source>
        <translation>与运行中的位号表没有差别。</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Tags: %1 added, %2 removed, %3 renamed, %4 changed. Devices: %5 changed.</source>
        <translation>位号：新增 %1，删除 %2，改名 %3，修改 %4。设备：修改 %5。</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Reason for the change (recorded with the revision)</source>
        <translation>更改原因（随修订版记录）</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>e.g. commissioning of the acid plant analyzers</source>
        <translation>例如：制酸分析仪调试</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Apply</source>
        <translation>应用</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Tags added</source>
        <translation>新增位号</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Tags removed</source>
        <translation>删除位号</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Tags renamed</source>
        <translation>改名位号</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Tags changed</source>
        <translation>修改位号</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Devices added</source>
        <translation>新增设备</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Devices removed</source>
        <translation>删除设备</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Devices changed</source>
        <translation>修改设备</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Other sections changed</source>
        <translation>其他部分有改动</translation>
    </message>
</context>
<context>
    <name>NumericKeypad</name>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Enter a value</source>
        <translation>输入数值</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Clear</source>
        <translation>清除</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>OK</source>
        <translation>确定</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Delete the last digit</source>
        <translation>删除最后一位</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Change the sign</source>
        <translation>改变正负号</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>From %s to %s</source>
        <translation>从 %s 到 %s</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Enter a value first.</source>
        <translation>请先输入数值。</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>This field does not take %s.</source>
        <translation>此输入框不接受 %s。</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>At most %d decimals.</source>
        <translation>最多 %d 位小数。</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>%s is above the highest value %s.</source>
        <translation>%s 高于最大值 %s。</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>%s is below the lowest value %s.</source>
        <translation>%s 低于最小值 %s。</translation>
    </message>
</context>
<context>
    <name>ReasonPickList</name>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Other…</source>
        <translation>其他…</translation>
    </message>
</context>
<context>
    <name>ReasonPickDialog</name>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Reason (required)</source>
        <translation>原因（必填）</translation>
    </message>
</context>
<context>
    <name>VoiceCommands</name>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Acknowledge %1 selected alarms?</source>
        <translation>确认选中的 %1 个报警？</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Acknowledge %1 alarms of %2?</source>
        <translation>确认%2的 %1 个报警？</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Nothing to acknowledge.</source>
        <translation>没有需要确认的报警。</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Voice command</source>
        <translation>语音命令</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Acknowledge</source>
        <translation>确认</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Refused: %1</source>
        <translation>被拒绝：%1</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Not understood.</source>
        <translation>没有听懂。</translation>
    </message>
</context>
<context>
    <name>PushToTalkButton</name>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Listening…</source>
        <translation>正在听…</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Talk</source>
        <translation>说话</translation>
    </message>
    <message>
        <location filename="../screens.py" line="0" />
        <source>Voice command: press (or Ctrl+Space), speak, press again</source>
        <translation>语音命令：按下（或 Ctrl+空格），说话，再按一次</translation>
    </message>
</context>
</TS>
